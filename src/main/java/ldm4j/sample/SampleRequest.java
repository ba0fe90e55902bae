package ldm4j.sample;

import java.util.List;

/**
 * What to generate: class labels (one image per entry), sampler settings and the seed. Image k
 * is determined by (seed, k) alone, whatever the batch size.
 */
public record SampleRequest(List<Integer> classes, String sampler, int steps, double cfg, double eta, String spacing,
                            long seed, int batchSize) {
    public SampleRequest {
        classes = List.copyOf(classes);
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("nothing to sample: no classes given");
        }
        if (steps < 1 || batchSize < 1) {
            throw new IllegalArgumentException("steps and batch size must be >= 1");
        }
    }
}
