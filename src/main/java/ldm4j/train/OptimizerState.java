package ldm4j.train;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import ldm4j.io.DType;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.TensorChecks;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * An optimizer's state in a checkpoint: per-parameter buffers named {@code prefix + kind + parameter}
 * (e.g. {@code opt.exp_avg.conv_in.weight}) and a step counter {@code prefix + "step"}. Restoring checks
 * everything (presence, dtype, finiteness, shape) before it changes anything; errors name the file.
 */
final class OptimizerState {
    private OptimizerState() {
    }

    /** The step counter: one non-negative int64. */
    static long step(Map<String, HostTensor> source, String prefix, Path file) {
        HostTensor step = source.get(prefix + "step");
        if (step == null) {
            throw new FormatException(file, "has no optimizer state '" + prefix + "step' (not a training checkpoint)");
        }
        if (step.dtype() != DType.I64 || step.numel() != 1 || step.data().getLong(0) < 0) {
            throw new FormatException(file, "optimizer state '" + prefix + "step' is not one non-negative int64 (the file is damaged)");
        }
        return step.data().getLong(0);
    }

    /**
     * Copies the saved buffers into {@code buffers.get(k).get(i)} for kind k and parameter i.
     *
     * @param kinds   buffer name prefixes, e.g. {@code ["exp_avg.", "exp_avg_sq."]}
     * @param names   parameter names, in the buffers' order
     * @param buffers one list per kind, of the live buffers
     */
    static void restore(Map<String, HostTensor> source, String prefix, List<String> kinds, List<String> names,
                        List<List<Tensor>> buffers, Path file) {
        for (int k = 0; k < kinds.size(); k++) {
            for (int i = 0; i < names.size(); i++) {
                String key = prefix + kinds.get(k) + names.get(i);
                HostTensor h = source.get(key);
                if (h == null) {
                    throw new FormatException(file, "has no optimizer state '" + key + "' (a different architecture?)");
                }
                TensorChecks.require(h, DType.F32, key, file);
                long[] expected = Tensors.shape(buffers.get(k).get(i));
                if (!Arrays.equals(h.shape(), expected)) {
                    throw new FormatException(file, "optimizer state '" + key + "' has shape " + Arrays.toString(h.shape())
                            + " but the parameter has " + Arrays.toString(expected));
                }
            }
        }
        try (NoGradGuard g = new NoGradGuard()) {
            for (int k = 0; k < kinds.size(); k++) {
                for (int i = 0; i < names.size(); i++) {
                    Tensor dst = buffers.get(k).get(i);
                    dst.copy_(Tensors.fromHost(source.get(prefix + kinds.get(k) + names.get(i))).to(dst.device(), dst.scalar_type()));
                }
            }
        }
    }
}
