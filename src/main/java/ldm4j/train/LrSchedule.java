package ldm4j.train;

/** Learning-rate schedules as values: {@code lr(step)} for step 0, 1, ... */
public sealed interface LrSchedule permits LrSchedule.Cosine {

    double lr(long step);

    /**
     * Linear warm-up from 0 to {@code peak} over {@code warmup} steps, then a half cosine from
     * {@code peak} to {@code floor} at step {@code total} (constant {@code floor} afterwards)
     * (Loshchilov &amp; Hutter 2017, without restarts).
     */
    record Cosine(double peak, double floor, long warmup, long total) implements LrSchedule {
        public Cosine {
            if (!(peak >= floor && floor >= 0) || warmup < 0 || total < 1) {
                throw new IllegalArgumentException("cosine schedule needs peak >= floor >= 0, warmup >= 0, total >= 1");
            }
        }

        @Override
        public double lr(long step) {
            if (step < warmup) {
                return peak * (step + 1) / warmup;
            }
            long span = Math.max(1, total - warmup);
            double progress = Math.min(1.0, (double) (step - warmup) / span);
            return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
        }
    }
}
