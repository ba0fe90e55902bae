package ldm4j.diffusion;

import ldm4j.config.SamplerKind;

/**
 * Decreasing time grids for samplers: {@code steps + 1} points from a start time (tMax, pure noise,
 * unless SDEdit starts lower) to tMin (data).
 */
public final class TimeGrid {
    private TimeGrid() {
    }

    /**
     * Where the steps go: uniform in t, uniform in log-SNR, or Karras et al. (2022, eq. 5) with
     * rho = 7: uniform in {@code sigma~^(1/7)} for the variance-exploding noise level
     * {@code sigma~ = sigma / alpha}: long steps at high noise, ever shorter ones (in sigma~) as it falls.
     */
    public enum Spacing { UNIFORM_T, UNIFORM_LOGSNR, KARRAS }

    /** Karras et al.'s rho. */
    public static final double RHO = 7.0;

    /**
     * The spacing each sampler works best with on the cosine schedule (measured on Gaussian data,
     * SamplersTest): DDIM and Heun uniform in t, DPM-Solver++ uniform in log-SNR (as in Lu et al. 2022).
     */
    public static Spacing defaultFor(String sampler) {
        return byName(SamplerKind.of("sampler", sampler).autoSpacing(), sampler);
    }

    /** The spacing named {@code auto}, {@code uniform-t}, {@code uniform-logsnr} or {@code karras}. */
    public static Spacing byName(String name, String sampler) {
        return switch (name) {
            case "uniform-t" -> Spacing.UNIFORM_T;
            case "uniform-logsnr" -> Spacing.UNIFORM_LOGSNR;
            case "karras" -> Spacing.KARRAS;
            case "auto" -> defaultFor(sampler);
            default -> throw new IllegalArgumentException("unknown spacing '" + name
                    + "': expected auto, uniform-t, uniform-logsnr or karras");
        };
    }

    /** The whole range, from tMax to tMin. */
    public static double[] of(NoiseSchedule s, int steps, Spacing spacing) {
        return of(s, steps, spacing, s.tMax());
    }

    /** From {@code start} (clamped into the schedule's range) down to tMin. */
    public static double[] of(NoiseSchedule s, int steps, Spacing spacing, double start) {
        if (steps < 1) {
            throw new IllegalArgumentException("need at least 1 sampling step, got " + steps);
        }
        double t0 = s.clamp(start);
        double[] t = new double[steps + 1];
        double lo = s.logSnr(t0);
        double hi = s.logSnr(s.tMin());
        for (int i = 0; i <= steps; i++) {
            double f = (double) i / steps;
            t[i] = switch (spacing) {
                case UNIFORM_T -> t0 + (s.tMin() - t0) * f;
                case UNIFORM_LOGSNR -> s.clamp(s.timeAt(lo + (hi - lo) * f));
                case KARRAS -> {
                    double a = Math.pow(Math.exp(-lo / 2), 1 / RHO);             // sigma~_max^(1/rho)
                    double b = Math.pow(Math.exp(-hi / 2), 1 / RHO);             // sigma~_min^(1/rho)
                    double sigma = Math.pow(a + f * (b - a), RHO);
                    yield s.clamp(s.timeAt(-2 * Math.log(sigma)));
                }
            };
        }
        t[0] = t0;
        t[steps] = s.tMin();
        return t;
    }
}
