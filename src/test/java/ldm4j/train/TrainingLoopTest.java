package ldm4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ldm4j.LdmException;
import ldm4j.io.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared training loop on a pure-Java trainable whose state is a running sum of its step numbers
 * (so a wrong resume point or a skipped or repeated step changes it).
 */
class TrainingLoopTest {

    /** state: sum of the step numbers trained; logs every call. */
    static class Counter implements Trainable {
        long sum;
        final List<Long> steps = new ArrayList<>();
        final List<Long> evaluations = new ArrayList<>();
        long nanAt = -1;

        @Override
        public Map<String, Double> step(long step) {
            steps.add(step);
            sum += step;
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", step == nanAt ? Double.NaN : 1.0 / (step + 1));
            return m;
        }

        @Override
        public void evaluate(long step) {
            evaluations.add(step);
        }

        @Override
        public Map<String, HostTensor> state() {
            return Map.of("sum", HostTensor.ofLongs(new long[]{sum}, 1));
        }

        @Override
        public Map<String, String> metadata(long step) {
            return Map.of("format", "ldm4j", "kind", "counter");
        }

        @Override
        public void restore(Map<String, HostTensor> tensors, Map<String, String> metadata, Path file) {
            if (!"counter".equals(metadata.get("kind"))) {
                throw new LdmException(file + " is not a counter checkpoint");
            }
            sum = tensors.get("sum").data().getLong(0);
        }
    }

    static final TrainingLoop.Plan PLAN = new TrainingLoop.Plan("train-test", 10, 4, 3, 4, 5, "--set x.lr", List.of("loss"),
            "counter");

    static TrainingLoop loop(Path run, TrainLog log, StringWriter out) {
        return new TrainingLoop(PLAN, run.resolve("checkpoints/test"), 2, log, new PrintWriter(out, true));
    }

    static TrainingLoop.Outcome train(Path run, Counter c, Budget budget, boolean resume, StringWriter out) {
        try (TrainLog log = new TrainLog(RunDir.create(run), "test")) {
            TrainingLoop loop = loop(run, log, out);
            return loop.run(c, loop.start(c, resume, run), budget);
        }
    }

    @Test
    void runsEveryStepOnceWithTheCadences(@TempDir Path dir) throws Exception {
        Counter c = new Counter();
        TrainingLoop.Outcome o = train(dir, c, Budget.unlimited(), false, new StringWriter());
        assertTrue(o.finished());
        assertEquals(10, o.step());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), c.steps);
        assertEquals(List.of(4L, 8L, 10L), c.evaluations, "every evalEvery steps and at the end");
        assertTrue(Files.exists(dir.resolve("checkpoints/test/step-00000005.safetensors")), "every checkpointEvery steps");
        assertTrue(o.checkpoint().toString().endsWith("step-00000010.safetensors"), "and where it stopped");
        List<String> rows = Files.readAllLines(dir.resolve("metrics.jsonl"));
        List<String> train = rows.stream().filter(r -> r.contains("\"event\":\"train\"")).toList();
        assertEquals(4, train.size(), "steps 3, 6, 9 and the last: " + rows);
        assertTrue(train.get(0).contains("\"step\":3") && train.get(0).contains("\"ms_per_step\"")
                && train.get(0).contains("\"images_per_s\""), train.get(0));
    }

    @Test
    void aBudgetStopsWithACheckpointAndResumeContinuesExactly(@TempDir Path dir) throws Exception {
        Counter straight = new Counter();
        train(dir.resolve("a"), straight, Budget.unlimited(), false, new StringWriter());

        Counter first = new Counter();
        StringWriter out = new StringWriter();
        TrainingLoop.Outcome half = train(dir.resolve("b"), first, Budget.of(7L, null), false, out);
        assertFalse(half.finished());
        assertEquals(7, half.step());
        assertTrue(half.checkpoint().toString().endsWith("step-00000007.safetensors"));
        assertTrue(out.toString().contains("stopped at step 7 of 10 (budget reached)"), out.toString());
        assertTrue(out.toString().contains("continue with --resume"), out.toString());

        Counter second = new Counter();
        TrainingLoop.Outcome rest = train(dir.resolve("b"), second, Budget.unlimited(), true, new StringWriter());
        assertTrue(rest.finished());
        assertEquals(List.of(7L, 8L, 9L), second.steps, "resumes at the checkpoint's step");
        assertEquals(straight.sum, second.sum, "state restored from the checkpoint");
        List<String> rows = Files.readAllLines(dir.resolve("b/metrics.jsonl"));
        assertTrue(rows.stream().anyMatch(r -> r.contains("\"event\":\"resume\"") && r.contains("\"step\":7")),
                "the log marks the resume: " + rows);
    }

    @Test
    void aSignalStopsAtTheNextStepBoundaryWithACheckpoint(@TempDir Path dir) {
        StopSignal stop = StopSignal.none();
        Counter c = new Counter() {
            @Override
            public Map<String, Double> step(long step) {
                if (step == 2) {
                    stop.request("INT"); // arrives during step 2
                }
                return super.step(step);
            }
        };
        StringWriter out = new StringWriter();
        TrainingLoop.Outcome o = train(dir, c, Budget.unlimited().stoppedBy(stop), false, out);
        assertFalse(o.finished());
        assertEquals(3, o.step(), "step 2 completes, no further step starts");
        assertEquals("INT", o.signal());
        assertEquals(130, stop.exitCode());
        assertTrue(o.checkpoint().toString().endsWith("step-00000003.safetensors"));
        assertTrue(out.toString().contains("(SIGINT)") && out.toString().contains("--resume"), out.toString());
        assertNull(StopSignal.none().signalName());
        assertEquals(0, StopSignal.none().exitCode());
    }

    @Test
    void refusesAFreshStartOverCheckpointsAndAResumeWithout(@TempDir Path dir) {
        train(dir, new Counter(), Budget.of(2L, null), false, new StringWriter());
        LdmException again = assertThrows(LdmException.class,
                () -> train(dir, new Counter(), Budget.unlimited(), false, new StringWriter()));
        assertTrue(again.getMessage().contains("pass --resume"), again.getMessage());
        LdmException none = assertThrows(LdmException.class,
                () -> train(dir.resolve("fresh"), new Counter(), Budget.unlimited(), true, new StringWriter()));
        assertTrue(none.getMessage().contains("no checkpoint to resume from"), none.getMessage());
    }

    @Test
    void divergenceStopsNamingTheMetricStepAndLastGoodCheckpoint(@TempDir Path dir) {
        Counter c = new Counter();
        c.nanAt = 6;
        LdmException e = assertThrows(LdmException.class, () -> train(dir, c, Budget.unlimited(), false, new StringWriter()));
        Path last = dir.resolve("checkpoints/test/step-00000005.safetensors");
        assertEquals("training diverged: loss = NaN at step 7; last good checkpoint: " + last
                + " (continue from it with --resume, e.g. with a lower --set x.lr=...)", e.getMessage());
        Counter early = new Counter();
        early.nanAt = 1;
        LdmException e2 = assertThrows(LdmException.class,
                () -> train(dir.resolve("early"), early, Budget.unlimited(), false, new StringWriter()));
        assertEquals("training diverged: loss = NaN at step 2; no checkpoint was saved before it (last good checkpoint: "
                + "none); start again with a lower --set x.lr=...", e2.getMessage());
        assertEquals("training diverged: loss = Infinity at step 1; no checkpoint was saved before it (last good "
                + "checkpoint: none); start again with a lower --lr ...",
                Divergence.message("loss = Infinity", 1, null, "--lr", null));
    }

    @Test
    void aBatchHoldingNanIsNamedInsteadOfTheLearningRate(@TempDir Path dir) {
        Counter c = new Counter() {
            @Override
            public Map<String, Double> step(long step) {
                if (step == 3) {
                    throw new BadBatchException("loss = NaN", "the latent cache R/latents: rebuild it with 'bin/ldm4j encode'");
                }
                return super.step(step);
            }
        };
        LdmException e = assertThrows(LdmException.class, () -> train(dir, c, Budget.unlimited(), false, new StringWriter()));
        assertEquals("training stopped at step 4: loss = NaN because the batch itself holds NaN or infinite values, from "
                + "the latent cache R/latents: rebuild it with 'bin/ldm4j encode' (a lower learning rate would not help)",
                e.getMessage());
    }

    @Test
    void resumeFallsBackToTheNewestIntactCheckpoint(@TempDir Path dir) throws Exception {
        Counter straight = new Counter();
        train(dir.resolve("a"), straight, Budget.unlimited(), false, new StringWriter());
        train(dir.resolve("b"), new Counter(), Budget.of(7L, null), false, new StringWriter()); // step 5 and 7 files
        Path ck = dir.resolve("b/checkpoints/test");
        Files.write(ck.resolve("last.safetensors"), new byte[]{1, 2, 3});                    // damaged
        Files.delete(ck.resolve("step-00000007.safetensors"));                                // and its step file gone
        Counter resumed = new Counter();
        StringWriter out = new StringWriter();
        TrainingLoop.Outcome o = train(dir.resolve("b"), resumed, Budget.unlimited(), true, out);
        assertTrue(out.toString().contains("note: skipped") && out.toString().contains("resuming from " + ck.resolve(
                "step-00000005.safetensors") + " (step 5)"), out.toString());
        assertEquals(List.of(5L, 6L, 7L, 8L, 9L), resumed.steps);
        assertEquals(straight.sum, resumed.sum);
        assertTrue(o.finished());
    }
}
