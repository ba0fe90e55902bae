package ldm4j.classifier;

import ldm4j.config.ClassifierConfig;
import ldm4j.nn.Layers;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ResNet-9 of Page (2018), "How to train your ResNet" (the DAWNBench CIFAR-10 network), the judge of
 * ldm4j's evaluation: prep {@link ConvBn}; stage 1 (pool + residual pair), stage 2 (pool), stage 3
 * (pool + residual pair); global max-pool to the penultimate features; a bias-free linear layer whose
 * logits are scaled by 1/8. Input (B, 3, 32, 32) in [-1, 1].
 *
 * <p>State-dict names: {@code prep}, {@code layer1}, {@code layer2}, {@code layer3} ({@link Stage}),
 * {@code fc.weight}; identical to scripts/reference/classifier_reference.py.
 */
public final class ResNet9 extends Module implements FeatureExtractor {
    static final double LOGIT_SCALE = 0.125;

    private final ClassifierConfig config;
    private final ConvBn prep;
    private final Stage layer1;
    private final Stage layer2;
    private final Stage layer3;
    private final LinearImpl fc;

    public ResNet9(ClassifierConfig c) {
        config = c;
        long[] w = c.widths().stream().mapToLong(Integer::longValue).toArray();
        prep = register_module("prep", new ConvBn(3, w[0]));
        layer1 = register_module("layer1", new Stage(w[0], w[1], true));
        layer2 = register_module("layer2", new Stage(w[1], w[2], false));
        layer3 = register_module("layer3", new Stage(w[2], w[3], true));
        LinearOptions o = new LinearOptions(w[3], c.classes());
        o.bias().put(false);
        fc = register_module("fc", new LinearImpl(o));
    }

    public ClassifierConfig config() {
        return config;
    }

    /** (B, 3, 32, 32) -> (B, widths[3]) penultimate features (global max-pool). */
    @Override
    public Tensor features(Tensor x) {
        Tensor h = layer3.forward(layer2.forward(layer1.forward(prep.forward(x)))); // (B, w3, 4, 4)
        return torch.amax(h, new long[]{2, 3}, false);                               // (B, w3)
    }

    @Override
    public int featureDim() {
        return config.widths().get(3);
    }

    /** (B, 3, 32, 32) -> (B, classes) logits. */
    public Tensor forward(Tensor x) {
        return logits(features(x));
    }

    /**
     * Predicted classes with flip test-time augmentation: the argmax of the mean of the logits of the
     * image and of its mirror. (B, 3, 32, 32) -> (B,) int64. Call in inference mode.
     */
    public Tensor predict(Tensor x) {
        Tensor logits = forward(x).add(forward(x.flip(3)));                  // (B, classes), twice the mean
        return logits.argmax(new org.bytedeco.pytorch.LongOptional(1), false); // (B,)
    }

    /** Predictions of images whose features were already computed: mean logits of {@code features} and of the mirror's. */
    public Tensor predict(Tensor x, Tensor features) {
        Tensor logits = logits(features).add(forward(x.flip(3)));
        return logits.argmax(new org.bytedeco.pytorch.LongOptional(1), false);
    }

    /** (B, widths[3]) features -> (B, classes) logits. */
    public Tensor logits(Tensor features) {
        return fc.forward(features).mul(new Scalar(LOGIT_SCALE));
    }
}
