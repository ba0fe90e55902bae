package ldm4j.eval.inception;

import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Bilinear resizing as TensorFlow 1's {@code ResizeBilinear} with {@code align_corners=False}, which the
 * FID Inception graph applies to its input (torch-fidelity's {@code interpolate_bilinear_2d_like_tensorflow1x},
 * "slow" method): output pixel y samples source row {@code y * (in / out)} (no half-pixel offset), the
 * scale and coordinates in float32, between rows {@code floor} and {@code min(floor + 1, in - 1)}; first
 * along the width, then along the height. Resize conventions alone move FID by whole points.
 */
public final class Tf1Resize {
    private Tf1Resize() {
    }

    /** (B, C, H, W) float32 -> (B, C, outH, outW). */
    public static Tensor resize(Tensor x, int outH, int outW) {
        int h = (int) x.size(2);
        int w = (int) x.size(3);
        Axis ay = Axis.of(h, outH);
        Axis ax = Axis.of(w, outW);
        Tensor rowsLo = x.index_select(2, ay.lo());                                   // (B, C, outH, W)
        Tensor rowsHi = x.index_select(2, ay.hi());
        Tensor in00 = rowsLo.index_select(3, ax.lo());                                // (B, C, outH, outW)
        Tensor in01 = rowsLo.index_select(3, ax.hi());
        Tensor in10 = rowsHi.index_select(3, ax.lo());
        Tensor in11 = rowsHi.index_select(3, ax.hi());
        Tensor dx = ax.frac().view(1, 1, 1, outW);
        Tensor dy = ay.frac().view(1, 1, outH, 1);
        Tensor in0 = in00.add(in01.sub(in00).mul(dx));
        Tensor in1 = in10.add(in11.sub(in10).mul(dx));
        return in0.add(in1.sub(in0).mul(dy));
    }

    /** One axis' source indices and fractions. */
    record Axis(Tensor lo, Tensor hi, Tensor frac) {
        static Axis of(int in, int out) {
            float scale = (float) ((double) in / out);                                // torch.tensor(in / out, dtype=float32)
            long[] lo = new long[out];
            long[] hi = new long[out];
            float[] frac = new float[out];
            for (int i = 0; i < out; i++) {
                float g = (float) i * scale;                                          // float32 product
                lo[i] = (long) g;
                hi[i] = Math.min(lo[i] + 1, in - 1);
                frac[i] = g - (float) lo[i];
            }
            return new Axis(Tensors.fromLongs(lo, out), Tensors.fromLongs(hi, out), Tensors.fromFloats(frac, out));
        }
    }

    static Scalar s(double v) {
        return new Scalar(v);
    }
}
