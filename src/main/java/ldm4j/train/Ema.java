package ldm4j.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.io.DType;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.nn.StateDict;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Exponential moving average of a model's weights, kept in float32 in a second module of the same
 * architecture (so it can be evaluated and saved like the model). The decay warms up as
 * {@code min(decay, (1 + n) / (10 + n))} after n updates when {@code warmup} is set.
 */
public final class Ema {
    private final Module shadow;
    private final Map<String, Tensor> shadowTensors;
    private final Map<String, Tensor> modelTensors;
    private final double decay;
    private final boolean warmup;
    private long updates;

    /** {@code shadow} must be a freshly built module of the same architecture; it is set to the model's weights. */
    public Ema(Module model, Module shadow, double decay, boolean warmup) {
        this.shadow = shadow;
        this.decay = decay;
        this.warmup = warmup;
        this.modelTensors = StateDict.tensors(model);
        this.shadowTensors = StateDict.tensors(shadow);
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : shadowTensors.entrySet()) {
                e.getValue().copy_(modelTensors.get(e.getKey()));
                e.getValue().requires_grad_(false);
            }
        }
        shadow.train(false);
    }

    public double currentDecay() {
        return warmup ? Math.min(decay, (1.0 + updates) / (10.0 + updates)) : decay;
    }

    /** shadow = d * shadow + (1 - d) * model, for every parameter and buffer. */
    public void update() {
        double d = currentDecay();
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : shadowTensors.entrySet()) {
                e.getValue().lerp_(modelTensors.get(e.getKey()), new Scalar(1 - d));
            }
        }
        updates++;
    }

    public Module module() {
        return shadow;
    }

    public long updates() {
        return updates;
    }

    public Map<String, HostTensor> state(String prefix) {
        Map<String, HostTensor> m = new LinkedHashMap<>(StateDict.toHost(shadow, prefix));
        m.put(prefix + "__updates", HostTensor.ofLongs(new long[]{updates}));
        return m;
    }

    public void load(Map<String, HostTensor> source, String prefix, Path file) {
        Map<String, HostTensor> weights = new LinkedHashMap<>(source);
        HostTensor u = weights.remove(prefix + "__updates");
        if (u == null) {
            throw new FormatException(file, "has no EMA state '" + prefix + "__updates' (not a training checkpoint)");
        }
        if (u.dtype() != DType.I64 || u.numel() != 1 || u.data().getLong(0) < 0) {
            throw new FormatException(file, "EMA state '" + prefix + "__updates' is not one non-negative int64 (the file is damaged)");
        }
        StateDict.load(shadow, weights, prefix, file);
        updates = u.data().getLong(0);
    }
}
