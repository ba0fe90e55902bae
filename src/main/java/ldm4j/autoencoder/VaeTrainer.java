package ldm4j.autoencoder;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import ldm4j.LdmException;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.config.VaeConfig;
import ldm4j.data.Batch;
import ldm4j.data.ImageCheck;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.data.DataLoader;
import ldm4j.data.Splits;
import ldm4j.data.ImageDecoder;
import ldm4j.data.ShardImages;
import ldm4j.data.StepBatches;
import ldm4j.data.TrainBatches;
import ldm4j.data.WdsStepBatches;
import ldm4j.data.Transform;
import ldm4j.io.Checkpoints;
import ldm4j.io.HostTensor;
import ldm4j.nn.StateDict;
import ldm4j.torch.Devices;
import ldm4j.torch.Precision;
import ldm4j.train.AdamW;
import ldm4j.train.BadBatchException;
import ldm4j.train.Budget;
import ldm4j.train.Divergence;
import ldm4j.train.LrSchedule;
import ldm4j.train.RunDir;
import ldm4j.train.TrainLog;
import ldm4j.train.Trainable;
import ldm4j.train.TrainingLoop;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * Trains the VAE against the patch discriminator (the write-up's VAE-GAN stage) in the shared
 * {@link TrainingLoop}; one step is {@link VaeGanStep}. When the run is finished it evaluates the test
 * reconstruction, measures the latent statistics over the training set and writes
 * {@code <run>/vae.safetensors}.
 */
public final class VaeTrainer {
    private final Config config;
    private final VaeConfig vc;
    private final RunDir run;
    private final Splits data;
    private final Device device;
    private final Precision precision;
    private final PrintWriter out;
    private final DistEnv env;
    private final Collective collective;

    public VaeTrainer(Config config, RunDir run, Splits data, Device device, PrintWriter out) {
        this(config, run, data, device, out, DistEnv.single(), Collective.single());
    }

    /**
     * The trainer of one rank of a data-parallel job: its loader builds its rows of every global batch,
     * the step averages gradients over the ranks, and only rank 0 writes logs, checkpoints and the VAE.
     */
    public VaeTrainer(Config config, RunDir run, Splits data, Device device, PrintWriter out, DistEnv env,
                      Collective collective) {
        this.env = env;
        this.collective = collective;
        this.config = config;
        this.vc = config.vae();
        this.run = run;
        this.data = data;
        this.device = device;
        this.out = out;
        this.precision = Precision.resolve(config.precision(), device);
    }

    /** What a call to {@link #train} achieved; {@code signal} names the signal that stopped it, if one did. */
    public record Outcome(long step, long totalSteps, boolean finished, Path checkpoint, Optional<Path> vaeFile,
                          ReconstructionMetrics test, String signal) {
    }

    public Outcome train(Budget budget, boolean resume) {
        ImageCheck.requireReadable(data.requireTest(), config.data().workers()); // bad test images fail now, not after training
        Transform transform = Transform.of(config.data());
        int batch = vc.train().batchSize();
        DistEnv.Slice slice = env.slice(batch);
        boolean main = collective.rank() == 0;
        try (TrainBatches batches = trainBatches(transform, batch, slice);
             TrainLog log = main ? new TrainLog(run, "vae") : TrainLog.discarding()) {
            long perEpoch = batches.batchesPerEpoch();
            long total = vc.train().steps() > 0 ? vc.train().steps() : perEpoch * vc.train().epochs();
            Training t = new Training(batches, total, log);
            TrainingLoop loop = new TrainingLoop(new TrainingLoop.Plan("train-vae", total, batch, vc.train().logEvery(),
                    vc.train().evalEvery(), vc.train().checkpointEvery(), "--set vae.train.lr", List.of("rec", "kl"), VaeCheckpoints.KIND_TRAIN),
                    run.checkpointsDir("vae"), vc.train().keepCheckpoints(), log, out, collective);
            long step = loop.start(t, resume, run.root());
            if (main) {
                run.writeConfig(config);
                run.recordCompute("train-vae", Devices.describe(device), precision);
            }
            out.printf("train-vae: %s, VAE %,d parameters, discriminator %,d parameters, batch %d, %,d steps "
                            + "(%,d per epoch), device %s, %s%n", data.train().source(), StateDict.parameterCount(t.vae),
                    StateDict.parameterCount(t.disc), batch, total, perEpoch, Devices.describe(device), precision.describe());
            t.evaluator = new VaeEvaluator(data.requireTest(), transform, device, config.data().workers(),
                    config.latents().batchSize());
            TrainingLoop.Outcome o = loop.run(t, step, budget);
            if (!o.finished()) {
                return new Outcome(o.step(), total, false, o.checkpoint(), Optional.empty(), null, o.signal());
            }
            ReconstructionMetrics test = t.test != null ? t.test : t.finalEvaluation(o.step());
            if (!main) {
                return new Outcome(o.step(), total, true, o.checkpoint(), Optional.empty(), test, null);
            }
            out.printf("test reconstruction on %,d images: MSE %.5f, PSNR %.2f dB (pixels on the [-1, 1] scale)%n",
                    test.images(), test.mse(), test.psnr());
            LatentStatistics stats = LatentStatistics.compute(t.vae, data.train(), config.latents().statsImages(), transform,
                    device, config.seed(), config.data().workers(), config.latents().batchSize());
            out.printf("latent statistics over %,d training images: mean %s, std %s, KL per element %.4f%n",
                    stats.count(), fmt(stats.normalizer().mean()), fmt(stats.normalizer().std()), stats.klPerElement());
            log.scalars("latents", o.step(), stats.asMap());
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("test_mse", Double.toString(test.mse()));
            extra.put("test_psnr", Double.toString(test.psnr()));
            extra.put("test_images", Integer.toString(test.images()));
            extra.put("latent_kl_per_element", Double.toString(stats.klPerElement()));
            Path vaeFile = run.root().resolve("vae.safetensors");
            VaeCheckpoints.writeVae(vaeFile, t.vae, stats.normalizer(), config, o.step(), extra);
            out.println("wrote " + vaeFile);
            return new Outcome(o.step(), total, true, o.checkpoint(), Optional.of(vaeFile), test, null);
        }
    }

    /**
     * The training batches: streamed from the tar shards for {@code wds:} data (each rank reads its own shards,
     * {@code batch / W} samples per step), else this rank's rows of every batch of the indexed dataset.
     */
    private TrainBatches trainBatches(Transform transform, int batch, DistEnv.Slice slice) {
        if (data.train() instanceof ShardImages shards) {
            return WdsStepBatches.of(shards, transform, new ImageDecoder(config.data().maxPixels()), slice.size(),
                    config.data().flip(), config.seed(), collective.rank(), collective.worldSize(), config.data().workers(),
                    config.data().prefetch());
        }
        return new StepBatches(DataLoader.training(data.train(), transform, batch, config.data().flip(), config.seed(),
                config.data().workers(), config.data().prefetch(), slice.from(), slice.size()), true);
    }

    /** The VAE-GAN as the training loop sees it: models, optimisers, schedules, the step and its state. */
    private final class Training implements Trainable {
        final Autoencoder vae;
        final PatchDiscriminator disc;
        final AdamW optVae;
        final AdamW optDisc;
        final LrSchedule lrVae;
        final LrSchedule lrDisc;
        final VaeGanStep vaeGanStep;
        final TrainBatches batches;
        final long total;
        final TrainLog log;
        VaeEvaluator evaluator;
        ReconstructionMetrics test; // the final evaluation, once made

        Training(TrainBatches batches, long total, TrainLog log) {
            this.batches = batches;
            this.total = total;
            this.log = log;
            vaeGanStep = VaeGanStep.create(vc, config.seed(), device, precision);
            if (collective.worldSize() > 1) {
                vaeGanStep.dataParallel(collective, vc.train().batchSize(), env.slice(vc.train().batchSize()).from());
            }
            vae = vaeGanStep.vae();
            disc = vaeGanStep.disc();
            optVae = vaeGanStep.optVae();
            optDisc = vaeGanStep.optDisc();
            lrVae = new LrSchedule.Cosine(vc.train().lr(), vc.train().lrMin(), 0, total);
            lrDisc = new LrSchedule.Cosine(vc.train().discLr(), vc.train().discLrMin(), 0, total);
        }

        @Override
        public Map<String, Double> step(long step) {
            Batch b = batches.at(step);
            boolean logStep = (step + 1) % vc.train().logEvery() == 0 || step + 1 == total;
            Tensor x = b.imageTensor();                                                        // (B, 3, H, W)
            Map<String, Double> m = vaeGanStep.run(step, x, lrVae.lr(step), lrDisc.lr(step), logStep);
            if (!Double.isFinite(m.get("loss")) && Divergence.hasNonFinite(x)) {
                throw new BadBatchException("loss = " + m.get("loss"), "the training images of " + data.train().source()
                        + ": check them with 'bin/ldm4j data'");
            }
            m.put("epoch", (double) batches.epochOf(step));
            return m;
        }

        @Override
        public void evaluate(long step) {
            if (step >= total) {
                finalEvaluation(step);
            } else {
                logEval(log, evaluator, vae, step, evaluator.evaluate(vae, vc.train().evalImages()));
            }
        }

        ReconstructionMetrics finalEvaluation(long step) {
            test = evaluator.evaluate(vae, vc.train().finalEvalImages());
            logEval(log, evaluator, vae, step, test);
            return test;
        }

        @Override
        public Map<String, HostTensor> state() {
            Map<String, HostTensor> t = new LinkedHashMap<>(StateDict.toHost(vae, "vae."));
            t.putAll(StateDict.toHost(disc, "disc."));
            t.putAll(optVae.state("opt.vae."));
            t.putAll(optDisc.state("opt.disc."));
            return t;
        }

        @Override
        public Map<String, String> metadata(long step) {
            return RunDir.provenance(config, VaeCheckpoints.KIND_TRAIN, step, null);
        }

        /** Loads a training checkpoint; the architecture must match the config's. */
        @Override
        public void restore(Map<String, HostTensor> all, Map<String, String> meta, Path file) {
            Checkpoints.requireKind(file, meta, VaeCheckpoints.KIND_TRAIN);
            Config saved = new ConfigResolver().parse(meta.get("config"), file + " (metadata 'config')");
            if (!saved.vae().model().equals(vc.model()) || !saved.vae().disc().equals(vc.disc())) {
                throw new LdmException(file + " was trained with a different architecture (checkpoint: vae.model="
                        + saved.vae().model() + ", vae.disc=" + saved.vae().disc() + "; now: vae.model=" + vc.model()
                        + ", vae.disc=" + vc.disc() + "): resume with the run's own --config " + run.configFile());
            }
            StateDict.load(vae, all, "vae.", file);
            StateDict.load(disc, all, "disc.", file);
            optVae.load(all, "opt.vae.", file);
            optDisc.load(all, "opt.disc.", file);
        }
    }

    private void logEval(TrainLog log, VaeEvaluator evaluator, Autoencoder vae, long step, ReconstructionMetrics r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mse", r.mse());
        m.put("psnr", r.psnr());
        m.put("images", r.images());
        m.put("scale", "[-1, 1]");
        log.scalars("test", step, m);
        log.image("vae/reconstructions", String.format("recon-step-%08d", step), evaluator.grid(vae, 8), step);
    }

    static String fmt(float[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format("%.4f", v[i]));
        }
        return sb.append(']').toString();
    }
}
