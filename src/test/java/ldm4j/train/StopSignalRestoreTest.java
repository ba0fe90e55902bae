package ldm4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;

import org.junit.jupiter.api.Test;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** The pipeline hands SIGINT back after training: {@link StopSignal#restore} reinstates the handler it replaced. */
class StopSignalRestoreTest {

    @Test
    void restoreReinstatesTheHandlerInstallReplaced() {
        Signal interrupt = new Signal("INT");
        SignalHandler marker = sig -> { };
        SignalHandler jvm = Signal.handle(interrupt, marker);         // the JVM's handler, read ...
        Signal.handle(interrupt, jvm);                                 // ... and put back
        StopSignal stop = StopSignal.install(new PrintStream(new ByteArrayOutputStream()));
        SignalHandler during = Signal.handle(interrupt, marker);
        Signal.handle(interrupt, during);
        assertNotEquals(jvm.toString(), during.toString(), "install replaced the handler");

        stop.restore();
        SignalHandler after = Signal.handle(interrupt, marker);
        Signal.handle(interrupt, after);
        assertEquals(jvm.toString(), after.toString(), "restore put the JVM's handler back");
    }
}
