package ldm4j.bench;

import java.util.Arrays;

import ldm4j.torch.StepScope;

/** Times a step function: warm-up, then {@code steps} timed repetitions each in its own memory scope. */
public final class Bench {
    private Bench() {
    }

    /** The work of one step; returns the number of images it processed. */
    @FunctionalInterface
    public interface Step {
        int run(int index);
    }

    public static BenchResult time(String name, int batch, int warmup, int steps, Step step) {
        for (int i = 0; i < warmup; i++) {
            try (StepScope s = StepScope.open()) {
                step.run(i);
            }
        }
        double[] ms = new double[steps];
        long images = 0;
        long rssStart = MemoryProbe.rss();
        long total = 0;
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            try (StepScope s = StepScope.open()) {
                images += step.run(warmup + i);
            }
            long dt = System.nanoTime() - t0;
            total += dt;
            ms[i] = dt / 1e6;
        }
        long rssEnd = MemoryProbe.rss();
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        return new BenchResult(name, batch, steps, median, sorted[0], sorted[sorted.length - 1], images / (total / 1e9),
                MemoryProbe.peakRss(), rssStart > 0 ? (rssEnd - rssStart) / (double) rssStart : 0);
    }
}
