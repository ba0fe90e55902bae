package ldm4j.classifier;

import org.bytedeco.pytorch.Tensor;

/**
 * Maps images to the feature space in which evaluation measures distances (Frechet distance,
 * precision/recall). ldm4j's own {@link ResNet9} implements it; a standard Inception network can be
 * plugged in behind the same interface when its weights are available.
 */
public interface FeatureExtractor {
    /** (B, 3, 32, 32) in [-1, 1], inference mode -> (B, featureDim()). */
    Tensor features(Tensor images);

    int featureDim();
}
