package ldm4j.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import ldm4j.cli.TestCli;
import ldm4j.data.SyntheticData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults of a data-parallel job, with ranks started by hand as a cluster scheduler would (the
 * torchrun variables, no launcher): a rank that dies or hangs (SIGSTOP) makes the survivor stop within
 * the timeout with one line; ranks with different configs are refused at start.
 */
@Tag("slow") // data-parallel jobs: left out of ./mvnw test -Pfast
class RankFaultTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void makeData() throws Exception {
        data = dir.resolve("ds");
        SyntheticData.imageFolder(data, List.of("train", "test"), List.of("a", "b", "c"), 8, 16);
    }

    static Process rank(int rank, int port, Path run, Path log, String... extraSets) throws IOException {
        return rank(rank, port, run, log, 20, extraSets);
    }

    static Process rank(int rank, int port, Path run, Path log, int timeoutSeconds, String... extraSets) throws IOException {
        List<String> sets = new ArrayList<>(List.of("threads=1", "vae.train.steps=100000", "vae.train.evalEvery=100000",
                "vae.train.finalEvalImages=6"));
        sets.addAll(List.of(extraSets));
        List<String> args = new ArrayList<>(List.of("train-vae", "--data", "folder:" + data, "--run", run.toString()));
        args.addAll(TestCli.tinyVae(sets.toArray(new String[0])));
        List<String> cmd = TestCli.childJvm("1g", args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(dir.toFile());
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.environment().put("RANK", Integer.toString(rank));
        pb.environment().put("WORLD_SIZE", "2");
        pb.environment().put("MASTER_ADDR", "127.0.0.1");
        pb.environment().put("MASTER_PORT", Integer.toString(port));
        pb.environment().put("LDM4J_DIST_TIMEOUT", Integer.toString(timeoutSeconds));
        return pb.start();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aRankThatDiesStopsTheSurvivorWithinTheTimeout() throws Exception {
        int port = freePort();
        Path run = dir.resolve("run-kill");
        Path log0 = dir.resolve("kill-0.txt");
        Process r0 = rank(0, port, run, log0);
        Process r1 = rank(1, port, run, dir.resolve("kill-1.txt"));
        Path last = run.resolve("checkpoints/vae/last.safetensors");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (Files.notExists(last) && r0.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(last), "training did not start: " + Files.readString(log0));
        r1.destroyForcibly(); // kill -9: no goodbye to the other rank
        long killed = System.nanoTime();
        assertTrue(r0.waitFor(60, TimeUnit.SECONDS), "rank 0 still running 60 s after rank 1 died");
        double seconds = (System.nanoTime() - killed) / 1e9;
        String out = Files.readString(log0);
        assertNotEquals(0, r0.exitValue(), out);
        assertTrue(out.contains("ldm4j: error: rank 0: "), out);
        assertTrue(out.contains("a rank died or hangs"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("ldm4j: error") && l.matches(".*(with|from) rank 1 .*")),
                "names the lost rank: " + out);
        System.out.printf("rank 1 killed: rank 0 stopped after %.1f s (timeout 20 s) with: %s%n", seconds,
                out.lines().filter(l -> l.startsWith("ldm4j: error")).findFirst().orElse(""));
    }

    /** Rank 1 hangs (the survivor names it by its heartbeat), or rank 0, which also serves the store. */
    @ParameterizedTest
    @ValueSource(ints = {1, 0})
    void aRankThatHangsStopsTheSurvivorWithinTheTimeout(int hung) throws Exception {
        int timeout = 8;
        int survivor = 1 - hung;
        int port = freePort();
        Path run = dir.resolve("run-hang-" + hung);
        Path log0 = dir.resolve("hang-" + hung + "-0.txt");
        Path log1 = dir.resolve("hang-" + hung + "-1.txt");
        Process[] r = {rank(0, port, run, log0, timeout), rank(1, port, run, log1, timeout)};
        Path log = survivor == 0 ? log0 : log1;
        try {
            Path last = run.resolve("checkpoints/vae/last.safetensors");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (Files.notExists(last) && r[0].isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(last), "training did not start: " + Files.readString(log0));
            assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(r[hung].pid())).start().waitFor());
            long stopped = System.nanoTime();
            assertTrue(r[survivor].waitFor(timeout + 30, TimeUnit.SECONDS), "rank " + survivor + " still running "
                    + (timeout + 30) + " s after rank " + hung + " hung: " + Files.readString(log));
            double seconds = (System.nanoTime() - stopped) / 1e9;
            String out = Files.readString(log);
            assertNotEquals(0, r[survivor].exitValue(), out);
            List<String> errors = out.lines().filter(l -> l.startsWith("ldm4j: error")).toList();
            assertEquals(1, errors.size(), out);
            String error = errors.get(0);
            assertTrue(error.contains("rank " + survivor + ": ") && error.contains("a rank died or hangs"), out);
            assertTrue(error.matches(".*(with|from) rank " + hung + " .*"), "names the lost rank: " + error);
            assertTrue(out.lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception raised from")),
                    "one line, no stack: " + out);
            assertTrue(seconds < timeout + 15, "stopped after " + seconds + " s");
            System.out.printf("rank %d stopped (SIGSTOP): rank %d stopped after %.1f s (timeout %d s) with: %s%n", hung,
                    survivor, seconds, timeout, error);
        } finally {
            for (Process p : r) {
                p.destroyForcibly(); // SIGKILL ends a stopped process too
            }
            for (Process p : r) {
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aSignalToTheLauncherStopsEveryRankWithACheckpoint() throws Exception {
        Path run = dir.resolve("run-launch");
        Path log = dir.resolve("launch.txt");
        List<String> args = new ArrayList<>(List.of("launch", "--nproc", "2", "--threads-per-rank", "1", "--timeout", "60",
                "--", "train-vae", "--data", "folder:" + data, "--run", run.toString()));
        args.addAll(TestCli.tinyVae("vae.train.steps=100000", "vae.train.evalEvery=100000", "vae.train.finalEvalImages=6"));
        List<String> cmd = TestCli.childJvm("512m", args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(dir.toFile());
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process launcher = pb.start();
        Path last = run.resolve("checkpoints/vae/last.safetensors");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (Files.notExists(last) && launcher.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(last), "training did not start: " + Files.readString(log));
        new ProcessBuilder("kill", "-INT", Long.toString(launcher.pid())).start().waitFor(); // the launcher alone
        assertTrue(launcher.waitFor(90, TimeUnit.SECONDS), "launcher still running: " + Files.readString(log));
        String out = Files.readString(log);
        assertEquals(130, launcher.exitValue(), out);
        assertTrue(out.contains("SIGINT received: stopping after this step"), out);
        assertTrue(out.contains("[rank 1] ldm4j: SIGINT received"), "the launcher passed the signal on: " + out);
        String stopped = out.lines().filter(l -> l.startsWith("train-vae stopped at step")).findFirst().orElse("");
        assertTrue(!stopped.isEmpty(), out);
        long step = Long.parseLong(stopped.replaceAll("train-vae stopped at step ([0-9,]+) of.*", "$1").replace(",", ""));
        assertTrue(out.contains("[rank 1] train-vae stopped at step " + String.format("%,d", step) + " of"),
                "both ranks stopped at the same step: " + out);
        assertTrue(Files.exists(run.resolve(String.format("checkpoints/vae/step-%08d.safetensors", step))), out);
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")), "no JVM crash log");
        }
    }

    @Test
    void ranksWithDifferentConfigsAreRefusedAtStart() throws Exception {
        int port = freePort();
        Path run = dir.resolve("run-config");
        Path log0 = dir.resolve("config-0.txt");
        Path log1 = dir.resolve("config-1.txt");
        Process r0 = rank(0, port, run, log0);
        Process r1 = rank(1, port, run, log1, "vae.train.lr=0.001");
        assertTrue(r0.waitFor(120, TimeUnit.SECONDS) && r1.waitFor(60, TimeUnit.SECONDS), "ranks still running");
        String out = Files.readString(log0) + Files.readString(log1);
        assertEquals(2, r0.exitValue(), out);
        assertEquals(2, r1.exitValue(), out);
        assertTrue(out.contains("ranks [1] were started with a different config or ldm4j build than rank 0"), out);
        assertTrue(Files.notExists(run.resolve("checkpoints/vae/last.safetensors")), "nothing trained");
    }
}
