package ldm4j.sample;

import java.util.List;

/**
 * What to generate: class labels (one image per entry), sampler settings and the seed. Image k
 * is determined by (seed, k) alone, whatever the batch size.
 *
 * @param guidanceLow  guidance applies only for t in [guidanceLow, guidanceHigh] (Kynkäänniemi et al.
 *                     2024); [0, 1] is everywhere
 * @param init         SDEdit: start from this image noised to t = strength (null: from pure noise)
 * @param interpolation image k's noise is the spherical interpolation between two seeds' images
 *                     (null: image k's own noise)
 */
public record SampleRequest(List<Integer> classes, String sampler, int steps, double cfg, double eta, String spacing,
                            long seed, int batchSize, double guidanceLow, double guidanceHigh, InitImage init,
                            Interpolation interpolation) {
    public SampleRequest {
        classes = List.copyOf(classes);
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("nothing to sample: no classes given");
        }
        if (steps < 1 || batchSize < 1) {
            throw new IllegalArgumentException("steps and batch size must be >= 1");
        }
        if (!(0 <= guidanceLow && guidanceLow <= guidanceHigh && guidanceHigh <= 1)) {
            throw new IllegalArgumentException("guidance interval [" + guidanceLow + ", " + guidanceHigh
                    + "] must satisfy 0 <= low <= high <= 1");
        }
    }

    /** Plain sampling: guidance at every step, from pure noise. */
    public SampleRequest(List<Integer> classes, String sampler, int steps, double cfg, double eta, String spacing,
                         long seed, int batchSize) {
        this(classes, sampler, steps, cfg, eta, spacing, seed, batchSize, 0, 1, null, null);
    }

    public SampleRequest withGuidanceInterval(double low, double high) {
        return new SampleRequest(classes, sampler, steps, cfg, eta, spacing, seed, batchSize, low, high, init, interpolation);
    }

    public SampleRequest withInit(InitImage image) {
        return new SampleRequest(classes, sampler, steps, cfg, eta, spacing, seed, batchSize, guidanceLow, guidanceHigh,
                image, interpolation);
    }

    public SampleRequest withInterpolation(Interpolation i) {
        return new SampleRequest(classes, sampler, steps, cfg, eta, spacing, seed, batchSize, guidanceLow, guidanceHigh,
                init, i);
    }

    /**
     * SDEdit's starting point (Meng et al. 2022): an RGB image in [-1, 1] at the model's resolution,
     * encoded (posterior mean) and noised to t = strength. Strength 0 returns its reconstruction,
     * strength 1 ignores it (plain sampling).
     */
    public record InitImage(float[] chw, int height, int width, double strength) {
        public InitImage {
            if (chw.length != 3 * height * width) {
                throw new IllegalArgumentException("init image: " + chw.length + " values for 3x" + height + "x" + width);
            }
            if (!(strength >= 0 && strength <= 1)) {
                throw new IllegalArgumentException("strength = " + strength + " is out of range: expected 0 <= strength <= 1");
            }
        }
    }

    /**
     * Frame k of n starts from slerp(noise(seed, indexA), noise(seedB, indexB), k / (n - 1)) (the
     * request's seed is A's). With {@code classB} different from frame k's class the guided
     * predictions of the two classes are mixed with the same weight.
     */
    public record Interpolation(int indexA, long seedB, int indexB, int classB) {
        /** The weight of B for frame k of n. */
        public static double weight(int k, int n) {
            return n == 1 ? 0 : (double) k / (n - 1);
        }
    }
}
