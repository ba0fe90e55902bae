package ldm4j.bench;

/**
 * One benchmark row: median and spread of step times after warm-up, throughput, and memory.
 *
 * @param rssGrowth relative RSS growth from the first to the last timed step (0.02 = 2%)
 */
public record BenchResult(String name, int batch, int steps, double medianMs, double minMs, double maxMs,
                          double imagesPerSecond, long peakRssBytes, double rssGrowth) {

    public static String header() {
        return String.format("%-34s %6s %6s %10s %10s %10s %10s %10s %8s", "benchmark", "batch", "steps", "median ms",
                "min ms", "max ms", "images/s", "peak RSS", "RSS +%");
    }

    public String row() {
        return String.format("%-34s %6d %6d %10.1f %10.1f %10.1f %10.1f %9.2fG %7.2f%%", name, batch, steps, medianMs,
                minMs, maxMs, imagesPerSecond, peakRssBytes / 1e9, 100 * rssGrowth);
    }
}
