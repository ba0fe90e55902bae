package ldm4j.cli;

import java.io.PrintWriter;

/**
 * One line on standard error when Ctrl-C (SIGINT) or SIGTERM ends a command before it finished (the
 * exit status stays 130 or 143): a shutdown hook for the command's duration, removed when it ends.
 */
final class SignalNotice implements AutoCloseable {
    private final Thread hook;

    /** @param message what was stopped and what the user finds on disk */
    SignalNotice(PrintWriter err, String message) {
        this.hook = new Thread(() -> {
            err.println("ldm4j: error: " + message);
            err.flush();
        }, "ldm4j-signal-notice");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the notice is printed
        }
    }
}
