package ldm4j.eval.inception;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import ldm4j.nn.StateDict;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Deterministic stand-in weights for the Inception twin, reproduced exactly by
 * scripts/reference/fid_inception_reference.py ({@code procedural_value}): element i of tensor
 * {@code name} draws u in [0, 1) from the top 24 bits of splitmix64(fnv1a64(name) + (i + 1) * golden),
 * then conv weights (2u - 1) sqrt(6 / fan_in), fc.weight (2u - 1) sqrt(3 / 2048), BatchNorm weight
 * 1 + 0.2 (u - 0.5), running_var 0.5 + u, every other tensor 0.2 (u - 0.5); computed in double, stored as float32.
 */
final class ProceduralInceptionWeights {
    private ProceduralInceptionWeights() {
    }

    static FidInceptionV3 model() {
        FidInceptionV3 m = new FidInceptionV3();
        try (NoGradGuard g = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : StateDict.tensors(m).entrySet()) {
                if (e.getKey().endsWith("num_batches_tracked")) {
                    continue;
                }
                long[] shape = Tensors.shape(e.getValue());
                e.getValue().copy_(Tensors.fromFloats(values(e.getKey(), shape), shape));
            }
        }
        return m;
    }

    static float[] values(String name, long[] shape) {
        int n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, (int) d);
        }
        long seed = fnv1a64(name);
        float[] out = new float[n];
        double fanIn = shape.length > 1 ? (double) n / shape[0] : 1;
        for (int i = 0; i < n; i++) {
            long z = seed + (i + 1L) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z = z ^ (z >>> 31);
            double u = (z >>> 40) / (double) (1 << 24);
            double v;
            if (name.endsWith("conv.weight")) {
                v = (2 * u - 1) * Math.sqrt(6.0 / fanIn);
            } else if (name.equals("fc.weight")) {
                v = (2 * u - 1) * Math.sqrt(3.0 / shape[1]);
            } else if (name.endsWith("bn.weight")) {
                v = 1 + 0.2 * (u - 0.5);
            } else if (name.endsWith("running_var")) {
                v = 0.5 + u;
            } else {
                v = 0.2 * (u - 0.5);
            }
            out[i] = (float) v;
        }
        return out;
    }

    static long fnv1a64(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }
}
