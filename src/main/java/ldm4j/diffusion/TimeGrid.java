package ldm4j.diffusion;

/**
 * Decreasing time grids for samplers: {@code steps + 1} points from tMax (noise) to tMin (data).
 */
public final class TimeGrid {
    private TimeGrid() {
    }

    public enum Spacing { UNIFORM_T, UNIFORM_LOGSNR }

    /**
     * The spacing each sampler works best with on the cosine schedule (measured on Gaussian data,
     * SamplersTest): DDIM and Heun uniform in t, DPM-Solver++ uniform in log-SNR (as in Lu et al. 2022).
     */
    public static Spacing defaultFor(String sampler) {
        return sampler.equals("dpmpp2m") ? Spacing.UNIFORM_LOGSNR : Spacing.UNIFORM_T;
    }

    public static double[] of(NoiseSchedule s, int steps, Spacing spacing) {
        if (steps < 1) {
            throw new IllegalArgumentException("need at least 1 sampling step, got " + steps);
        }
        double[] t = new double[steps + 1];
        if (spacing == Spacing.UNIFORM_T) {
            for (int i = 0; i <= steps; i++) {
                t[i] = s.tMax() + (s.tMin() - s.tMax()) * i / steps;
            }
        } else {
            double lo = s.logSnr(s.tMax());
            double hi = s.logSnr(s.tMin());
            for (int i = 0; i <= steps; i++) {
                t[i] = s.clamp(s.timeAt(lo + (hi - lo) * i / steps));
            }
        }
        t[0] = s.tMax();
        t[steps] = s.tMin();
        return t;
    }
}
