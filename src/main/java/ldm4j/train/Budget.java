package ldm4j.train;

import java.util.function.LongSupplier;

import ldm4j.LdmException;

/**
 * A training budget from {@code --max-steps}, {@code --max-minutes} and a {@link StopSignal}: the loop
 * asks {@link #exhausted(long)} after each step and, when it says yes, writes a checkpoint and stops so
 * that {@code --resume} can continue.
 */
public final class Budget {
    private final long maxSteps;
    private final long deadlineNanos;
    private final LongSupplier clock;
    private final StopSignal stop;

    private Budget(long maxSteps, long durationNanos, LongSupplier clock, StopSignal stop) {
        this.maxSteps = maxSteps;
        this.clock = clock;
        this.stop = stop;
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
        return new Budget(maxSteps == null ? Long.MAX_VALUE : maxSteps, nanos, clock, StopSignal.none());
    }

    public static Budget unlimited() {
        return of(null, null);
    }

    /** The same limits, also ended by {@code stop}. */
    public Budget stoppedBy(StopSignal stop) {
        return new Budget(maxSteps, deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - clock.getAsLong(),
                clock, stop);
    }

    /**
     * True when {@code stepsThisSession} steps have used the step budget, the deadline has passed or a
     * signal asked to stop.
     */
    public boolean exhausted(long stepsThisSession) {
        return stepsThisSession >= maxSteps || clock.getAsLong() >= deadlineNanos || stop.getAsBoolean();
    }

    /** The signal that stopped training, if one did. */
    public StopSignal stop() {
        return stop;
    }

    public boolean limited() {
        return maxSteps != Long.MAX_VALUE || deadlineNanos != Long.MAX_VALUE;
    }
}
