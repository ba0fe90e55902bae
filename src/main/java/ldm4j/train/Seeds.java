package ldm4j.train;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.global.torch;

/**
 * Derived random streams. Every random draw of a training step comes from a generator seeded by
 * (run seed, stream, step), so a resumed run draws exactly what an uninterrupted run would, with no
 * RNG state to save.
 */
public final class Seeds {
    private Seeds() {
    }

    /** SplitMix64-style mixing of the run seed, a stream id and an index into a well-spread seed. */
    public static long derive(long seed, long stream, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1) + 0xD1B54A32D192ED03L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }

    /** A fresh CPU generator for (seed, stream, index). */
    public static Generator generator(long seed, long stream, long index) {
        return torch.createCPUGenerator(derive(seed, stream, index));
    }

    public static final long POSTERIOR = 1;
    public static final long LATENT_STATS = 2;
    public static final long NOISE = 3;
    public static final long SAMPLING = 7;
    public static final long GLOBAL = 8;
    public static final long AUGMENT = 9;
    public static final long ORDER = 10;
    public static final long INSTANCE_NOISE = 11;
    public static final long DROPOUT = 12;
}
