package ldm4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import ldm4j.autoencoder.VaeTrainerTest;
import ldm4j.data.SyntheticData;
import ldm4j.io.HostTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interruptions through the command line: SIGINT / SIGTERM to a training JVM stop it at a step
 * boundary with a checkpoint, the exit status 130 / 143 and no crash; train-classifier resumes exactly.
 */
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

    @Test
    void aSecondSignalEndsTheProcessAtOnce() throws Exception {
        Path runDir = dir.resolve("run-twice");
        Process p = start(runDir);
        Path log = runDir.resolveSibling(runDir.getFileName() + "-cwd").resolve("out.txt");
        waitForCheckpoint(p, runDir, log);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        Thread.sleep(2500); // a repeat within 2 s counts as the same signal delivered twice
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "still running after the second SIGINT");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(130, p.exitValue(), out);
        try (var files = Files.list(log.getParent())) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")), "no JVM crash log: " + out);
        }
        if (!out.contains("stopped at step")) { // the first signal's step had not ended yet
            assertTrue(out.contains("second SIGINT: exiting now without a checkpoint"), out);
        }
    }

    private static Process start(Path runDir) throws IOException {
        List<String> args = new ArrayList<>(List.of("train-vae", "--data", "folder:" + data, "--run", runDir.toString()));
        args.addAll(TestCli.tinyVae("threads=1", "vae.train.steps=100000", "vae.train.logEvery=2",
                "vae.train.evalEvery=100000", "vae.train.finalEvalImages=12")); // runs far longer than the test waits
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
