package ldm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ldm4j.autoencoder.VaeTrainerTest;
import ldm4j.data.SyntheticData;
import ldm4j.io.HostTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interruptions through the command line: SIGINT / SIGTERM to a training JVM stop it at a step
 * boundary with a checkpoint, the exit status 130 / 143 and no crash; train-classifier resumes exactly.
 */
@Tag("slow") // child JVMs: left out of ./mvnw test -Pfast
class InterruptAndResumeTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void makeData() throws Exception {
        data = dir.resolve("ds");
        SyntheticData.imageFolder(data, List.of("train", "test"), List.of("a", "b", "c"), 8, 16);
    }

    static String[] run(String... args) {
        return TestCli.run(args);
    }

    @Test
    void classifierResumeEqualsAnUninterruptedRun() throws Exception {
        String[] common = {"train-classifier", "--data", "folder:" + data, "--epochs", "2", "--batch", "8",
                "--widths", "8,8,8,8", "--threads", "2"};
        Path straight = dir.resolve("clf-a/c.safetensors");
        String[] a = run(concat(common, "--out", straight.toString()));
        assertEquals("0", a[0], a[1] + a[2]);

        Path split = dir.resolve("clf-b/c.safetensors");
        String[] first = run(concat(common, "--out", split.toString(), "--max-steps", "4")); // 3 steps per epoch
        assertEquals("0", first[0], first[1] + first[2]);
        assertTrue(first[1].contains("stopped at step 4 of 6"), first[1]);
        assertTrue(Files.notExists(split), "no classifier file before the run is finished");
        String[] again = run(concat(common, "--out", split.toString()));
        assertEquals("2", again[0]);
        assertTrue(again[2].contains("pass --resume"), again[2]);
        String[] rest = run(concat(common, "--out", split.toString(), "--resume"));
        assertEquals("0", rest[0], rest[1] + rest[2]);
        assertTrue(rest[1].contains("resumed") && rest[1].contains("at step 4 of 6"), rest[1]);

        Map<String, HostTensor> x = VaeTrainerTest.tensors(straight);
        Map<String, HostTensor> y = VaeTrainerTest.tensors(split);
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            assertArrayEquals(x.get(k).toFloats(), y.get(k).toFloats(), 0f, k);
        }
        List<String> curve = Files.readAllLines(dir.resolve("clf-b/c.metrics.jsonl"));
        assertEquals(2, curve.stream().filter(l -> l.contains("\"event\":\"epoch\"")).count(), String.join("\n", curve));
        assertEquals(Files.readAllLines(dir.resolve("clf-a/c.metrics.jsonl")).stream()
                        .filter(l -> l.contains("\"event\":\"epoch\"")).map(InterruptAndResumeTest::withoutTimes).toList(),
                curve.stream().filter(l -> l.contains("\"event\":\"epoch\"")).map(InterruptAndResumeTest::withoutTimes).toList(),
                "the same curve, the epoch interrupted mid-way included");
    }

    private static String withoutTimes(String row) {
        return row.replaceAll("\"(time|elapsed_s|images_per_s)\":[0-9.E-]+,?", "");
    }

    @Test
    void sigintStopsTrainingWithACheckpointAndExit130() throws Exception {
        interrupt("INT", 130, dir.resolve("run-int"));
    }

    @Test
    void sigtermStopsTrainingWithACheckpointAndExit143() throws Exception {
        interrupt("TERM", 143, dir.resolve("run-term"));
    }

    /**
     * The second SIGINT reaches the process while a step is under way: it ends at once (killed by the
     * signal, 128 + 2), the step never finishes and no checkpoint is written. The process is frozen with
     * SIGSTOP right after the first signal was acknowledged, so the step cannot end while the test waits
     * out the 2 s in which a repeat counts as the same signal (the monotonic clock runs on meanwhile).
     */
    @Test
    void aSecondSignalDuringAStepEndsTheProcessAtOnceWithoutACheckpoint() throws Exception {
        Path runDir = dir.resolve("run-twice");
        // wider than the other runs (steps of a good fraction of a second), a log row per step, no periodic checkpoint
        Process p = start(runDir, "vae.model.channels=32", "vae.train.batchSize=16", "vae.train.logEvery=1",
                "vae.train.checkpointEvery=100000");
        Path log = runDir.resolveSibling(runDir.getFileName() + "-cwd").resolve("out.txt");
        waitFor(p, log, () -> trainRows(runDir) >= 1, "a first logged step");
        signal("INT", p); // step 2 is under way
        waitFor(p, log, () -> Files.readString(log).contains("SIGINT received: stopping after this step"),
                "the first SIGINT acknowledged");
        signal("STOP", p);
        long rowsWhenFrozen = trainRows(runDir);
        Thread.sleep(2200);
        signal("INT", p); // pending until the process runs again
        signal("CONT", p);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "still running 30 s after the second SIGINT");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(130, p.exitValue(), out);
        assertTrue(out.contains("second SIGINT: exiting now without a checkpoint"), out);
        assertFalse(out.contains("stopped at step"), out);
        assertEquals(rowsWhenFrozen, trainRows(runDir), "the step under way never finished: " + out);
        Path checkpoints = runDir.resolve("checkpoints/vae");
        try (var files = Files.exists(checkpoints) ? Files.list(checkpoints) : Stream.<Path>empty()) {
            assertEquals(List.of(), files.toList(), "no checkpoint written");
        }
        try (var files = Files.list(log.getParent())) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")), "no JVM crash log: " + out);
        }
    }

    private static void signal(String name, Process p) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor(), "kill -" + name);
    }

    /** The number of training rows in the run's metrics log. */
    private static long trainRows(Path runDir) throws IOException {
        Path metrics = runDir.resolve("metrics.jsonl");
        if (Files.notExists(metrics)) {
            return 0;
        }
        try (var lines = Files.lines(metrics)) {
            return lines.filter(l -> l.contains("\"event\":\"train\"")).count();
        }
    }

    interface Check {
        boolean holds() throws IOException;
    }

    /** Polls {@code check} every 10 ms for up to 120 s while {@code p} runs. */
    private static void waitFor(Process p, Path log, Check check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!check.holds() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(check.holds(), "no " + what + " within 120 s (alive: " + p.isAlive() + "): " + Files.readString(log));
    }

    private static Process start(Path runDir, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("train-vae", "--data", "folder:" + data, "--run", runDir.toString()));
        List<String> sets = new ArrayList<>(List.of("threads=1", "vae.train.steps=100000", "vae.train.logEvery=2",
                "vae.train.evalEvery=100000", "vae.train.finalEvalImages=12")); // runs far longer than the test waits
        sets.addAll(List.of(extra));
        args.addAll(TestCli.tinyVae(sets.toArray(new String[0])));
        List<String> cmd = TestCli.childJvm("1g", args);
        Path work = Files.createDirectories(runDir.resolveSibling(runDir.getFileName() + "-cwd"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("out.txt").toFile());
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        return pb.start();
    }

    private static void waitForCheckpoint(Process p, Path runDir, Path log) throws Exception {
        Path last = runDir.resolve("checkpoints/vae/last.safetensors");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (Files.notExists(last) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(p.isAlive(), "training ended early: " + Files.readString(log));
        assertTrue(Files.exists(last), "no checkpoint within 120 s: " + Files.readString(log));
    }

    /** Starts train-vae in a child JVM, signals it once a checkpoint exists, then resumes the run to its end. */
    private static void interrupt(String signal, int expectedExit, Path runDir) throws Exception {
        Process p = start(runDir);
        Path work = runDir.resolveSibling(runDir.getFileName() + "-cwd");
        Path log = work.resolve("out.txt");
        waitForCheckpoint(p, runDir, log);
        new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIG" + signal);
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(expectedExit, p.exitValue(), out);
        assertTrue(out.contains("SIG" + signal + " received: stopping after this step"), out);
        assertTrue(out.contains("(SIG" + signal + "); checkpoint") && out.contains("continue with --resume"), out);
        try (var files = Files.list(work)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")), "no JVM crash log");
        }
        long stopped = Long.parseLong(out.replaceAll("(?s).*stopped at step ([0-9,]+) of.*", "$1").replace(",", ""));
        assertTrue(Files.exists(runDir.resolve(String.format("checkpoints/vae/step-%08d.safetensors", stopped))),
                "a checkpoint of the step it stopped at: " + stopped);

        List<String> resume = new ArrayList<>(List.of("train-vae", "--data", "folder:" + data, "--run", runDir.toString(),
                "--resume", "--max-steps", "2"));
        String[] r = run(resume.toArray(new String[0]));
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("at step " + stopped + " of"), r[1]);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
