package ldm4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import ldm4j.LdmException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run folder's writer lock, with a real second process (a file lock is per process). */
@Tag("slow") // child JVMs: left out of ./mvnw test -Pfast
class RunDirLockTest {

    @TempDir
    Path dir;

    private static Process holder(Path run) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), run.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String firstLine(Process p) throws IOException {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    private static void release(Process p) throws Exception {
        p.getOutputStream().close();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "lock holder did not exit");
    }

    @Test
    void aSecondWriterIsRefusedWithTheHoldersPid() throws Exception {
        Path run = dir.resolve("run");
        Process other = holder(run);
        try {
            assertEquals("locked", firstLine(other));
            LdmException e = assertThrows(LdmException.class, () -> RunDir.create(run));
            assertTrue(e.getMessage().contains("pid " + other.pid()), e.getMessage());
            assertTrue(e.getMessage().contains("another --run"), e.getMessage());
        } finally {
            release(other);
        }
        RunDir.create(run); // released by the OS when the holder exited
        RunDir.create(run); // and this process may open its own run folder again
    }

    @Test
    void aKilledWriterLeavesNoLockBehind() throws Exception {
        Path run = dir.resolve("run");
        Process other = holder(run);
        assertEquals("locked", firstLine(other));
        other.destroyForcibly();
        assertTrue(other.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(run.resolve(".lock")));
        RunDir.create(run);
    }

    @Test
    void theHolderRefusesOtherProcesses() throws Exception {
        Path run = dir.resolve("run");
        RunDir.create(run);
        Process other = holder(run);
        try {
            String line = firstLine(other);
            assertTrue(line.startsWith("refused: ") && line.contains("pid " + ProcessHandle.current().pid()), line);
        } finally {
            release(other);
        }
    }

    @Test
    void staleTemporaryFilesAreDeletedEverywhereInTheRunFolder() throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run.resolve("images"));
        Files.createDirectories(run.resolve("checkpoints/vae"));
        Path[] stale = {run.resolve("vae.safetensors.tmp-0123456789abcdef"), run.resolve("images/recon-00001.png123456789.tmp"),
                run.resolve("checkpoints/vae/last.safetensors.tmp-fedcba9876543210")};
        for (Path p : stale) {
            Files.write(p, new byte[]{1, 2});
        }
        Path kept = run.resolve("images/recon-00001.png");
        Files.write(kept, new byte[]{3});
        RunDir.create(run);
        for (Path p : stale) {
            assertFalse(Files.exists(p), p + " was left");
        }
        assertTrue(Files.exists(kept));
    }

    @Test
    void anEmptyRunPathIsRefused() {
        LdmException e = assertThrows(LdmException.class, () -> RunDir.create(Path.of("")));
        assertTrue(e.getMessage().contains("--run is empty"), e.getMessage());
    }
}
