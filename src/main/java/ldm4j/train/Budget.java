package ldm4j.train;

import java.util.function.LongSupplier;

import ldm4j.LdmException;

/**
 * A training budget from {@code --max-steps} and {@code --max-minutes}: the loop asks
 * {@link #exhausted(long)} after each step and, when it says yes, writes a checkpoint and stops so
 * that {@code --resume} can continue.
 */
public final class Budget {
    private final long maxSteps;
    private final long deadlineNanos;
    private final LongSupplier clock;

    private Budget(long maxSteps, long durationNanos, LongSupplier clock) {
        this.maxSteps = maxSteps;
        this.clock = clock;
        long now = clock.getAsLong();
        this.deadlineNanos = durationNanos == Long.MAX_VALUE ? Long.MAX_VALUE : now + durationNanos;
    }

    /** @param maxSteps null for no limit; @param maxMinutes null for no limit */
    public static Budget of(Long maxSteps, Double maxMinutes) {
        return of(maxSteps, maxMinutes, System::nanoTime);
    }

    public static Budget of(Long maxSteps, Double maxMinutes, LongSupplier clock) {
        if (maxSteps != null && maxSteps < 1) {
            throw new LdmException("--max-steps = " + maxSteps + " must be at least 1");
        }
        if (maxMinutes != null && !(maxMinutes > 0 && maxMinutes < 1e7)) {
            throw new LdmException("--max-minutes = " + maxMinutes + " must be a positive number of minutes");
        }
        long nanos = maxMinutes == null ? Long.MAX_VALUE : (long) (maxMinutes * 60e9);
        return new Budget(maxSteps == null ? Long.MAX_VALUE : maxSteps, nanos, clock);
    }

    public static Budget unlimited() {
        return of(null, null);
    }

    /** True when {@code stepsThisSession} steps have used the step budget or the deadline has passed. */
    public boolean exhausted(long stepsThisSession) {
        return stepsThisSession >= maxSteps || clock.getAsLong() >= deadlineNanos;
    }

    public boolean limited() {
        return maxSteps != Long.MAX_VALUE || deadlineNanos != Long.MAX_VALUE;
    }
}
