package ldm4j.eval;

import ldm4j.classifier.ResNet9;
import ldm4j.data.Transform;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Runs images of any size through the evaluation classifier: resize to its 32x32 input (bicubic,
 * antialiased, clamped to [-1, 1]: for 64x64 images this is the 32 -> 64 -> 32 round trip), then
 * features (penultimate, and the spatial mean of stage {@link #STAGE}; of the image as given) and
 * predicted class (6-view test-time augmentation, {@link ResNet9#predict}, as the classifier's reported
 * accuracy), in chunks.
 */
public final class Judge {
    public static final int INPUT = 32;
    /**
     * The stage whose spatially averaged output gives eval's second Frechet distance: less class-specific
     * than the penultimate features (between- to within-class variance 0.43 against 0.71 for a briefly
     * trained judge, scripts/experiments/guidance_features.py).
     */
    public static final int STAGE = 2;
    private static final int CHUNK = 250;
    private final ResNet9 classifier;
    private final Transform resize = new Transform(INPUT, "bicubic");

    public Judge(ResNet9 classifier) {
        this.classifier = classifier;
        classifier.train(false);
    }

    /** (N, 3, R, R) in [-1, 1] -> features (N, D) float32 (a tensor owned by the caller) and predictions. */
    public Judged judge(Tensor images) {
        long n = images.size(0);
        TensorVector feats = new TensorVector();
        TensorVector stageFeats = new TensorVector();
        long[] pred = new long[(int) n];
        try (InferenceMode mode = new InferenceMode()) {
            for (long from = 0; from < n; from += CHUNK) {
                long b = Math.min(CHUNK, n - from);
                try (StepScope scope = StepScope.open()) {
                    Tensor x = images.narrow(0, from, b).to(torch.ScalarType.Float);         // (b, 3, R, R)
                    if (x.size(2) != INPUT || x.size(3) != INPUT) {
                        x = resize.resize(x, INPUT).clamp(new ScalarOptional(new Scalar(-1.0)),
                                new ScalarOptional(new Scalar(1.0)));                            // (b, 3, 32, 32)
                    }
                    ResNet9.Layered l = classifier.layered(x, STAGE);
                    Tensor f = l.penultimate();                                                 // (b, D)
                    long[] p = Tensors.toLongs(classifier.predict(x, f));                        // 6-view TTA
                    System.arraycopy(p, 0, pred, (int) from, (int) b);
                    feats.push_back(f.clone()); // the vector holds its own reference
                    stageFeats.push_back(l.stageMean().clone());                                 // (b, D_stage)
                }
            }
        }
        return new Judged(torch.cat(feats), torch.cat(stageFeats), pred);
    }
}
