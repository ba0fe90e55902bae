package ldm4j.sample;

import ldm4j.LdmException;
import ldm4j.config.ConfigException;
import ldm4j.config.SampleConfig;

/**
 * The checks every sampling request passes before any work, whether typed in ({@code sample}'s
 * options) or read back from a PNG ({@code --from-png}): one code path, so a file cannot ask for
 * what the command line refuses. The sampler settings go through {@link SampleConfig}'s own
 * validation; each failure is an {@link Invalid} naming the setting as the PNG's JSON names it.
 */
public final class RequestCheck {
    /** Images per class at most (as {@code sample.perClass}). */
    public static final int MAX_PER_CLASS = 10_000;
    /** Interpolation frames: 2 to this many. */
    public static final int MAX_FRAMES = 1000;
    /** Image indices an interpolation may start or end at. */
    public static final int MAX_INDEX = 100_000;

    /** A setting that fails validation; {@link #field} is its name in the settings JSON. */
    public static final class Invalid extends LdmException {
        private final String field;

        Invalid(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    private RequestCheck() {
    }

    /**
     * Checks the request's settings.
     *
     * @param images        images the request makes (its class labels)
     * @param interpolation whether they are interpolation frames
     * @param numClasses    classes of the model
     */
    public static void check(String sampler, int steps, double cfg, double eta, String spacing, int batchSize,
                             double guidanceLow, double guidanceHigh, long seed, int images, boolean interpolation,
                             int numClasses) {
        try {
            new SampleConfig(sampler, steps, cfg, eta, spacing, 1, batchSize, true);
        } catch (ConfigException e) {
            String key = e.getMessage().split(" ", 2)[0];
            throw new Invalid(key.startsWith("sample.") ? key.substring("sample.".length()) : key, e.getMessage());
        }
        if (!(0 <= guidanceLow && guidanceLow <= guidanceHigh && guidanceHigh <= 1)) {
            throw new Invalid(guidanceLow >= 0 && guidanceLow <= 1 ? "guidanceHigh" : "guidanceLow", "guidance interval ["
                    + guidanceLow + ", " + guidanceHigh + "] is not allowed: expected 0 <= low <= high <= 1");
        }
        seed("seed", seed);
        if (interpolation) {
            if (images < 2 || images > MAX_FRAMES) {
                throw new Invalid("classes", images + " interpolation frames is out of range: expected 2 <= frames <= "
                        + MAX_FRAMES);
            }
        } else if (images < 1 || images > (long) numClasses * MAX_PER_CLASS) {
            throw new Invalid("classes", images + " images is out of range: expected 1 to " + MAX_PER_CLASS
                    + " per class (" + (long) numClasses * MAX_PER_CLASS + " for " + numClasses + " classes)");
        }
    }

    /** Seeds are 0 <= seed <= 2^63 - 1 everywhere (options, config, API, PNG settings). */
    public static long seed(String field, long seed) {
        if (seed < 0) {
            throw new Invalid(field, is(field, seed) + " is out of range: expected 0 <= " + field + " <= " + Long.MAX_VALUE);
        }
        return seed;
    }

    /** "--seed -1" for an option, "seed = -1" for a setting. */
    private static String is(String field, Object value) {
        return field.startsWith("--") ? field + " " + value : field + " = " + value;
    }

    /** SDEdit's strength: 0 <= strength <= 1. */
    public static double strength(String field, double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new Invalid(field, is(field, strength) + " is out of range: expected 0 <= " + field + " <= 1");
        }
        return strength;
    }

    /** An image index of an interpolation's end: 0 <= index <= {@value #MAX_INDEX}. */
    public static int index(String field, int index) {
        if (index < 0 || index > MAX_INDEX) {
            throw new Invalid(field, is(field, index) + " is out of range: expected 0 <= " + field + " <= " + MAX_INDEX);
        }
        return index;
    }
}
