package ldm4j.dit;

/**
 * The fixed 2-D sine-cosine position embedding of DiT (MAE's {@code get_2d_sincos_pos_embed}) for a
 * {@code grid x grid} token grid, token {@code i grid + j} at row i, column j: the first D/2 features embed the
 * column j, the last D/2 the row i (numpy's meshgrid puts w first), each as
 * {@code [sin(pos w_0) .. sin(pos w_{D/4-1}), cos(pos w_0) .. cos(pos w_{D/4-1})]} with
 * {@code w_k = 10000^(-k / (D/4))}, computed in double and rounded to float as there.
 */
final class PosEmbed {
    private PosEmbed() {
    }

    /** (grid^2 x D) row-major floats. */
    static float[] sinCos2d(int dim, int grid) {
        if (dim % 4 != 0) {
            throw new IllegalArgumentException("the 2-D sin-cos embedding needs a width divisible by 4, got " + dim);
        }
        int quarter = dim / 4;
        double[] omega = new double[quarter];
        for (int k = 0; k < quarter; k++) {
            omega[k] = 1.0 / Math.pow(10000.0, k / (double) quarter);
        }
        float[] out = new float[grid * grid * dim];
        for (int i = 0; i < grid; i++) {
            for (int j = 0; j < grid; j++) {
                int base = (i * grid + j) * dim;
                for (int k = 0; k < quarter; k++) {
                    out[base + k] = (float) Math.sin(j * omega[k]);
                    out[base + quarter + k] = (float) Math.cos(j * omega[k]);
                    out[base + 2 * quarter + k] = (float) Math.sin(i * omega[k]);
                    out[base + 3 * quarter + k] = (float) Math.cos(i * omega[k]);
                }
            }
        }
        return out;
    }
}
