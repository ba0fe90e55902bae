package ldm4j.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.function.LongSupplier;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long task: an animated bar with rate, ETA and a status text (e.g. the current
 * loss) on a terminal; plain periodic lines ({@code task: 120/1000 (12%) 35.2 it/s eta 25s loss=0.12})
 * when output goes to a file or pipe.
 */
public final class Progress implements AutoCloseable {
    private final String task;
    private final long total;
    private final String unit;
    private final ProgressBar bar;        // null in plain mode
    private final PrintStream plainOut;   // null in bar mode
    private final long intervalNanos;
    private final LongSupplier clock;
    private final long start;
    private long done;
    private long skipped;   // work done before this session (resume): not counted in the rate
    private long lastPrint;
    private String extra = "";

    private Progress(String task, long total, String unit, boolean terminal, PrintStream out, Duration interval,
                     LongSupplier clock, long alreadyDone) {
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.clock = clock;
        this.start = clock.getAsLong();
        this.lastPrint = start;
        this.intervalNanos = interval.toNanos();
        if (terminal) {
            this.bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .setUnit(" " + unit, 1)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                    .setConsumer(new ConsoleProgressBarConsumer(out))
                    .showSpeed()
                    .setUpdateIntervalMillis(250)
                    .startsFrom(alreadyDone, Duration.ZERO) // the rate counts this session's work only
                    .build();
            this.plainOut = null;
        } else {
            this.bar = null;
            this.plainOut = out;
        }
        this.done = alreadyDone;
        this.skipped = alreadyDone;
    }

    /** Bar on a terminal (stdout is a console), plain lines every 10 s otherwise. */
    public static Progress start(String task, long total, String unit) {
        return start(task, total, unit, 0);
    }

    /** As {@link #start(String, long, String)} for a task resumed with {@code alreadyDone} units finished. */
    public static Progress start(String task, long total, String unit, long alreadyDone) {
        return new Progress(task, total, unit, System.console() != null, System.out, Duration.ofSeconds(10), System::nanoTime,
                alreadyDone);
    }

    /** Plain-line progress to {@code out}, for tests and logs. */
    public static Progress plain(String task, long total, String unit, PrintStream out, Duration interval, LongSupplier clock) {
        return new Progress(task, total, unit, false, out, interval, clock, 0);
    }

    public void step(long n) {
        done += n;
        if (bar != null) {
            bar.stepBy(n);
            return;
        }
        long now = clock.getAsLong();
        if (now - lastPrint >= intervalNanos || done == total) {
            lastPrint = now;
            plainOut.println(line(now));
        }
    }

    /** Status shown after the rate, e.g. "loss=0.0123". */
    public void status(String text) {
        extra = text;
        if (bar != null) {
            bar.setExtraMessage(" " + text);
        }
    }

    public long done() {
        return done;
    }

    String line(long now) {
        double secs = Math.max(1e-9, (now - start) / 1e9);
        double rate = (done - skipped) / secs;
        StringBuilder sb = new StringBuilder(task).append(": ").append(done);
        if (total > 0) {
            sb.append('/').append(total).append(String.format(" (%d%%)", Math.round(100.0 * done / total)));
        }
        sb.append(String.format(" %.1f %s/s", rate, unit));
        if (total > 0 && rate > 0 && done < total) {
            sb.append(" eta ").append(formatDuration((long) ((total - done) / rate)));
        }
        if (!extra.isEmpty()) {
            sb.append(' ').append(extra);
        }
        return sb.toString();
    }

    public static String formatDuration(long seconds) {
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return (seconds / 60) + "m" + String.format("%02ds", seconds % 60);
        }
        return (seconds / 3600) + "h" + String.format("%02dm", (seconds % 3600) / 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        } else if (done != total && total > 0) {
            plainOut.println(line(clock.getAsLong()));
        }
    }
}
