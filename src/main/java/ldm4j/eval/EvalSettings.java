package ldm4j.eval;

import ldm4j.LdmException;
import ldm4j.config.SamplerKind;

/**
 * How {@code eval} generates its samples: {@code perClass} images of every class with a fixed sampler
 * setting (EMA weights) and seed, in batches of {@code batchSize}.
 */
public record EvalSettings(int perClass, String sampler, int steps, double cfg, long seed, int batchSize) {
    public EvalSettings {
        if (perClass < 4 || perClass > 100_000) {
            throw new LdmException("--per-class " + perClass + " is out of range: use 4..100000 (k-NN precision/recall "
                    + "needs more than k = 3 samples)");
        }
        if (steps < 1 || steps > 10_000) {
            throw new LdmException("--steps " + steps + " is out of range: use 1..10000");
        }
        if (!(cfg >= 0) || cfg > 100) {
            throw new LdmException("--cfg " + cfg + " is out of range: use 0..100");
        }
        if (batchSize < 1) {
            throw new LdmException("--batch " + batchSize + " must be at least 1");
        }
        if (SamplerKind.find(sampler).isEmpty()) {
            throw new LdmException("unknown sampler '" + sampler + "': expected one of "
                    + String.join(", ", SamplerKind.keys()));
        }
    }

    /** The settings every reported figure uses unless stated (the defaults of {@code eval}'s options). */
    public static final int PER_CLASS = 100;
    public static final String SAMPLER = "ddim";
    public static final int STEPS = 50;
    public static final double CFG = 5.0;
    public static final long SEED = 0;
    public static final int BATCH_SIZE = 100;

    /** DDIM, 50 steps, CFG 5, seed 0, batches of 100: the setting every reported figure uses unless stated. */
    public static EvalSettings defaults(int perClass) {
        return new EvalSettings(perClass, SAMPLER, STEPS, CFG, SEED, BATCH_SIZE);
    }
}
