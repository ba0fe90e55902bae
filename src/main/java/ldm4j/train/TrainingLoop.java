package ldm4j.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import ldm4j.LdmException;
import ldm4j.distributed.Collective;
import ldm4j.io.CheckpointStore;
import ldm4j.io.Checkpoints;
import ldm4j.io.NonFiniteTensorException;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.torch.StepScope;

/**
 * The life of a training run, for every trainer (VAE-GAN, UNet, classifier): resume or refuse to
 * overwrite, then
 * <pre>
 *   while step &lt; total and the budget lasts (steps, minutes, signals):
 *       metrics = trainable.step(step)           in a memory scope of its own
 *       stop if any metric is NaN/Inf            naming the last good checkpoint
 *       log every logEvery steps                 with ms/step and images/s
 *       evaluate every evalEvery steps and at the end
 *       checkpoint every checkpointEvery steps
 *   checkpoint where it stopped
 * </pre>
 * The trainer supplies only its step, its evaluation and its state ({@link Trainable}).
 */
public final class TrainingLoop {

    /**
     * How a stage trains: its name (progress, messages), the run's length and cadences.
     *
     * @param stage           "train-vae", "train-unet", "train-classifier"
     * @param totalSteps      steps of the whole run
     * @param batchSize       images per step (for images/s)
     * @param logEvery        steps between "train" metric rows
     * @param evalEvery       steps between evaluations (also at the last step)
     * @param checkpointEvery steps between checkpoints (also where training stops)
     * @param lrOption        the option that lowers the learning rate ("--set unet.train.lr", "--lr")
     * @param statusKeys      metrics shown beside the progress bar
     * @param checkpointKind  the metadata kind of this stage's checkpoints (what --resume may continue from)
     */
    public record Plan(String stage, long totalSteps, int batchSize, long logEvery, long evalEvery, long checkpointEvery,
                       String lrOption, List<String> statusKeys, String checkpointKind) {
        public Plan {
            if (totalSteps < 1 || batchSize < 1 || logEvery < 1 || evalEvery < 1 || checkpointEvery < 1) {
                throw new IllegalArgumentException("invalid training plan " + stage + ": steps " + totalSteps + ", batch "
                        + batchSize + ", every " + logEvery + "/" + evalEvery + "/" + checkpointEvery);
            }
            statusKeys = List.copyOf(statusKeys);
        }
    }

    /**
     * Where a call to {@link #run} left the run.
     *
     * @param step       steps done in total
     * @param finished   all {@code totalSteps} done
     * @param checkpoint the newest checkpoint
     * @param signal     the signal that stopped training ("INT", "TERM"), or null
     */
    public record Outcome(long step, long totalSteps, boolean finished, Path checkpoint, String signal) {
    }

    private final Plan plan;
    private final CheckpointStore store;
    private final TrainLog log;
    private final PrintWriter out;
    private final Collective collective;
    private Path resumedFrom; // the checkpoint start() restored, if any

    public TrainingLoop(Plan plan, Path checkpointDir, int keepCheckpoints, TrainLog log, PrintWriter out) {
        this(plan, checkpointDir, keepCheckpoints, log, out, Collective.single());
    }

    /**
     * A loop of one rank of a data-parallel job: every rank runs every step (the trainable averages its
     * gradients over {@code collective}); the ranks agree at every step boundary whether to stop; only
     * rank 0 writes checkpoints (the trainable's log of other ranks should discard).
     */
    public TrainingLoop(Plan plan, Path checkpointDir, int keepCheckpoints, TrainLog log, PrintWriter out,
                        Collective collective) {
        this.plan = plan;
        this.log = log;
        this.out = out;
        this.collective = collective;
        try {
            this.store = CheckpointStore.open(checkpointDir, keepCheckpoints);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + checkpointDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The step to start from: 0 for a fresh run (refused when the run already has checkpoints), or the
     * step of the checkpoint restored into {@code t} with {@code resume}. Call before {@link #run}.
     */
    public long start(Trainable t, boolean resume, Path runRoot) {
        try {
            if (!resume) {
                if (store.hasAny() && collective.rank() == 0) { // rank 0 refuses for the job
                    throw new LdmException(runRoot + " already has " + plan.stage() + " checkpoints (in " + store.dir()
                            + "): pass --resume to continue that run, or choose a new --run folder");
                }
                return 0;
            }
            CheckpointStore.Resumable r = store.newestIntact(plan.checkpointKind());
            if (!r.found()) {
                throw new LdmException(store.hasAny() ? "--resume: " + r.message() + " in " + store.dir()
                        + ": the run cannot be continued; start it again in a new --run folder"
                        : "--resume: " + store.dir() + " has no checkpoint to resume from; run without --resume to start training");
            }
            if (!r.skipped().isEmpty()) {
                out.println("note: " + r.message());
            }
            long step = restore(t, r.file());
            resumedFrom = r.file();
            log.resume(step, r.file());
            out.printf("resumed %s at step %,d of %,d%n", r.file(), step, plan.totalSteps());
            return step;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    private static long restore(Trainable t, Path file) {
        try (SafetensorsFile f = Safetensors.read(file)) {
            Map<String, String> meta = f.metadata();
            t.restore(f.getAll(), meta, file);
            return Checkpoints.step(meta, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Trains from {@code step} (see {@link #start}) until the run is finished or the budget is used up. */
    public Outcome run(Trainable t, long step, Budget budget) {
        long total = plan.totalSteps();
        Path lastCheckpoint = resumedFrom; // the newest intact checkpoint (none for a fresh start)
        long sessionSteps = 0;
        long windowStart = System.nanoTime();
        long windowSteps = 0;
        try (Progress progress = collective.rank() == 0 ? Progress.start(plan.stage(), total, "step", step)
                : Progress.plain(plan.stage(), total, "step", System.err, Duration.ofDays(365), System::nanoTime)) {
            while (step < total && !stopAgreed(budget.exhausted(sessionSteps))) {
                Map<String, Double> m;
                try (StepScope scope = StepScope.open()) {
                    m = t.step(step);
                } catch (BadBatchException e) {
                    throw new LdmException(Divergence.message(e.what(), step + 1, lastCheckpoint, plan.lrOption(), e.source()));
                }
                requireFinite(m, step, lastCheckpoint);
                step++;
                sessionSteps++;
                windowSteps++;
                progress.step(1);
                progress.status(status(m));
                if (step % plan.logEvery() == 0 || step == total) {
                    double secs = (System.nanoTime() - windowStart) / 1e9;
                    Map<String, Object> row = new LinkedHashMap<>(m);
                    row.put("ms_per_step", 1000 * secs / windowSteps);
                    row.put("images_per_s", windowSteps * plan.batchSize() / secs);
                    log.scalars("train", step, row);
                    windowStart = System.nanoTime();
                    windowSteps = 0;
                }
                if (step % plan.evalEvery() == 0 || step == total) {
                    t.evaluate(step);
                    windowStart = System.nanoTime();
                    windowSteps = 0;
                }
                if (step % plan.checkpointEvery() == 0 && step < total) {
                    lastCheckpoint = save(t, step);
                }
            }
        }
        if (sessionSteps > 0 || lastCheckpoint == null) {
            lastCheckpoint = save(t, step);
        }
        boolean finished = step >= total;
        String signal = budget.stop().signalName();
        if (!finished) {
            out.printf("%s stopped at step %,d of %,d (%s); checkpoint %s; continue with --resume%n", plan.stage(), step,
                    total, signal != null ? "SIG" + signal : "budget reached", lastCheckpoint);
        }
        return new Outcome(step, total, finished, lastCheckpoint, finished ? null : signal);
    }

    /** Every rank stops at the same step: when any rank's budget or signal says so. */
    private boolean stopAgreed(boolean mine) {
        return collective.worldSize() == 1 ? mine : collective.average(mine ? 1 : 0) > 0;
    }

    private Path save(Trainable t, long step) {
        if (collective.rank() != 0) {
            return store.pathFor(step); // rank 0 writes it
        }
        Map<String, HostTensor> tensors = t.state();
        Map<String, String> meta = new LinkedHashMap<>(t.metadata(step));
        meta.remove(CheckpointStore.STEP_KEY); // the store adds it
        try {
            return store.save(step, tensors, meta);
        } catch (NonFiniteTensorException e) { // the previous checkpoint stays the newest
            throw new LdmException(Divergence.message("a weight or optimizer value is not finite (" + e.getMessage() + ")",
                    step, store.last().orElse(null), plan.lrOption(), null));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint to " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    private String status(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        for (String k : plan.statusKeys()) {
            Double v = m.get(k);
            if (v != null) {
                sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(String.format("%.4f", v));
            }
        }
        return sb.toString();
    }

    /** Stops a diverged run: names the metric, the step and what to do next. */
    void requireFinite(Map<String, Double> m, long step, Path lastGood) {
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                throw new LdmException(Divergence.message(e.getKey() + " = " + e.getValue(), step + 1, lastGood,
                        plan.lrOption(), null));
            }
        }
    }
}
