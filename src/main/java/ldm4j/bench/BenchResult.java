package ldm4j.bench;

/**
 * One benchmark row: median and spread of step times after warm-up, throughput, memory, and the step's
 * arithmetic against this machine's matmul rate.
 *
 * @param rssGrowth      relative RSS growth from the first to the last timed step (0.02 = 2%)
 * @param precision      what the step computed in: "fp32" or "bf16" (bf16 autocast)
 * @param gflop          GFLOP of one step ({@link Flops}; 0 for steps without arithmetic, like data loading)
 * @param gflopPerSecond {@code gflop} over the median step time
 * @param matmulFraction {@code gflopPerSecond} as a fraction of the matmul rate in the row's precision
 *                       ({@link MatmulRate}); null when the rate was not measured or the step has no FLOPs
 */
public record BenchResult(String name, int batch, int steps, double medianMs, double minMs, double maxMs,
                          double imagesPerSecond, long peakRssBytes, double rssGrowth, String precision, double gflop,
                          double gflopPerSecond, Double matmulFraction) {

    /** A timed row before its FLOPs are known: fp32, no FLOPs. */
    public BenchResult(String name, int batch, int steps, double medianMs, double minMs, double maxMs,
                       double imagesPerSecond, long peakRssBytes, double rssGrowth) {
        this(name, batch, steps, medianMs, minMs, maxMs, imagesPerSecond, peakRssBytes, rssGrowth, "fp32", 0, 0, null);
    }

    /**
     * This row with {@code flops} per step computed in {@code precision}, compared with {@code rate}
     * ({@code rateScale} of them: the ranks of a data-parallel step each have their own).
     */
    public BenchResult withFlops(long flops, String precision, MatmulRate rate, int rateScale) {
        double g = flops / 1e9;
        double perSecond = g / (medianMs / 1000);
        double peak = rate.size() > 0 ? rate.of(precision) * rateScale : Double.NaN;
        Double fraction = flops > 0 && peak > 0 ? perSecond / peak : null;
        return new BenchResult(name, batch, steps, medianMs, minMs, maxMs, imagesPerSecond, peakRssBytes, rssGrowth,
                precision, g, perSecond, fraction);
    }

    public static String header() {
        return String.format("%-34s %6s %6s %10s %10s %10s %10s %10s %8s %5s %9s %9s %8s", "benchmark", "batch", "steps",
                "median ms", "min ms", "max ms", "images/s", "peak RSS", "RSS +%", "prec", "GFLOP", "GFLOP/s", "of mm");
    }

    public String row() {
        String flops = gflop > 0 ? String.format(" %9.1f %9.1f %8s", gflop, gflopPerSecond,
                matmulFraction == null ? "-" : String.format("%.1f%%", 100 * matmulFraction))
                : String.format(" %9s %9s %8s", "-", "-", "-");
        return String.format("%-34s %6d %6d %10.1f %10.1f %10.1f %10.1f %9.2fG %7.2f%% %5s", name, batch, steps, medianMs,
                minMs, maxMs, imagesPerSecond, peakRssBytes / 1e9, 100 * rssGrowth, precision) + flops;
    }
}
