package ldm4j.train;

import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM during training. The first signal asks the training loop to stop at
 * the next step boundary and write a checkpoint; the command then exits with 128 + the signal's
 * number (130, 143). A second signal ends the process at once by the signal's default action: the
 * kernel terminates it, so no exit handler or static destructor runs while libtorch may still be
 * inside a native call (exiting the JVM during {@code backward()} crashes in libtorch). Checkpoints
 * are written atomically, so either way nothing is left half-written.
 */
public final class StopSignal implements BooleanSupplier {
    /** A repeat within this time is the same stop delivered twice (the terminal and a launcher both pass it on). */
    private static final long REPEAT_NANOS = 2_000_000_000L;
    private final AtomicReference<Signal> received = new AtomicReference<>();
    private final Map<String, SignalHandler> previous = new LinkedHashMap<>();
    private volatile long receivedAt;

    private StopSignal() {
    }

    /** A stop that no signal triggers (library use, tests). */
    public static StopSignal none() {
        return new StopSignal();
    }

    /** Installs handlers for SIGINT and SIGTERM that trigger the returned stop; messages go to {@code err}. */
    public static StopSignal install(PrintStream err) {
        StopSignal stop = new StopSignal();
        for (String name : List.of("INT", "TERM")) {
            try {
                stop.previous.put(name, Signal.handle(new Signal(name), sig -> stop.onSignal(sig, err)));
            } catch (IllegalArgumentException unsupported) {
                // this platform has no such signal, or the JVM reserves it (-Xrs): keep the default
            }
        }
        return stop;
    }

    /**
     * Gives SIGINT and SIGTERM back to the handlers they had before {@link #install} (the JVM's: exit with
     * 130 or 143): for the stages after training, which have no step boundary to stop at.
     */
    public void restore() {
        previous.forEach((name, handler) -> Signal.handle(new Signal(name), handler));
        previous.clear();
    }

    void onSignal(Signal sig, PrintStream err) {
        if (received.compareAndSet(null, sig)) {
            receivedAt = System.nanoTime();
            err.println();
            err.println("ldm4j: SIG" + sig.getName() + " received: stopping after this step and writing a checkpoint "
                    + "(send it again to exit at once, without a checkpoint)");
            err.flush();
            return;
        }
        if (System.nanoTime() - receivedAt < REPEAT_NANOS) {
            return;
        }
        err.println("ldm4j: second SIG" + sig.getName() + ": exiting now without a checkpoint");
        err.flush();
        Signal.handle(sig, SignalHandler.SIG_DFL);
        killSelf(sig);
    }

    /**
     * Sends {@code sig} to this process, whose disposition is now the default one, so the kernel ends it.
     * {@code Signal.raise} refuses a signal that has no Java handler any more ("Unhandled signal"), so the
     * {@code kill} command sends it; should that fail, the JVM halts with the same status.
     */
    private static void killSelf(Signal sig) {
        try {
            new ProcessBuilder("kill", "-" + sig.getName(), Long.toString(ProcessHandle.current().pid()))
                    .redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
            Thread.sleep(10_000);
        } catch (IOException e) {
            // no kill command: halt below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(128 + sig.getNumber());
    }

    /** True once a signal asked training to stop. */
    @Override
    public boolean getAsBoolean() {
        return received.get() != null;
    }

    /** The exit status after a stop: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), else 0. */
    public int exitCode() {
        Signal s = received.get();
        return s == null ? 0 : 128 + s.getNumber();
    }

    /** The name of the signal received ("INT", "TERM"), or null. */
    public String signalName() {
        Signal s = received.get();
        return s == null ? null : s.getName();
    }

    /** Triggers the stop as a signal would (tests). */
    public void request(String name) {
        received.compareAndSet(null, new Signal(name));
    }
}
