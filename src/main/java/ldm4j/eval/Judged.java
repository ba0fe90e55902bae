package ldm4j.eval;

import org.bytedeco.pytorch.Tensor;

/**
 * What the classifier makes of a set of images: penultimate features (N, D), the spatial mean of an
 * earlier stage's output (N, D_stage; see {@link Judge#STAGE}) and predicted classes.
 */
public record Judged(Tensor features, Tensor stageFeatures, long[] predictions) {

    public int size() {
        return predictions.length;
    }

    /** Fraction of images whose prediction equals {@code labels[i]}. */
    public double accuracy(long[] labels) {
        if (labels.length != predictions.length) {
            throw new IllegalArgumentException(labels.length + " labels for " + predictions.length + " predictions");
        }
        long hit = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == predictions[i]) {
                hit++;
            }
        }
        return (double) hit / labels.length;
    }
}
