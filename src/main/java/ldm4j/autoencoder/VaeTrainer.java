package ldm4j.autoencoder;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import ldm4j.LdmException;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.config.VaeConfig;
import ldm4j.data.Batch;
import ldm4j.data.DataLoader;
import ldm4j.data.Splits;
import ldm4j.data.Transform;
import ldm4j.io.CheckpointStore;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.nn.StateDict;
import ldm4j.torch.Devices;
import ldm4j.torch.StepScope;
import ldm4j.train.AdamW;
import ldm4j.train.Budget;
import ldm4j.train.LrSchedule;
import ldm4j.train.Progress;
import ldm4j.train.RunDir;
import ldm4j.train.TrainLog;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains the VAE against the patch discriminator (the write-up's VAE-GAN stage). One step:
 * encode, sample the posterior, decode; generator loss (reconstruction + warmed-up KL, adversarial
 * and feature matching) and its AdamW step; then, once the adversarial ramp has started, the
 * discriminator's loss on real images and detached reconstructions and its AdamW step.
 */
public final class VaeTrainer {
    private final Config config;
    private final VaeConfig vc;
    private final RunDir run;
    private final Splits data;
    private final Device device;
    private final PrintWriter out;

    public VaeTrainer(Config config, RunDir run, Splits data, Device device, PrintWriter out) {
        this.config = config;
        this.vc = config.vae();
        this.run = run;
        this.data = data;
        this.device = device;
        this.out = out;
    }

    /** What a call to {@link #train} achieved. */
    public record Outcome(long step, long totalSteps, boolean finished, Path checkpoint, Optional<Path> vaeFile,
                          ReconstructionMetrics test) {
    }

    public Outcome train(Budget budget, boolean resume) {
        ldm4j.data.ImageCheck.requireReadable(data.requireTest(), config.data().workers()); // bad test images fail now, not after training
        Transform transform = new Transform(config.data().resolution(), config.data().interpolation());
        int batch = vc.train().batchSize();
        try (DataLoader loader = DataLoader.training(data.train(), transform, batch, config.data().flip(), config.seed(),
                config.data().workers(), config.data().prefetch());
             TrainLog log = new TrainLog(run, "vae")) {
            long perEpoch = loader.batchesPerEpoch();
            long total = vc.train().steps() > 0 ? vc.train().steps() : perEpoch * vc.train().epochs();

            torch.manual_seed(config.seed());
            Autoencoder vae = new Autoencoder(vc.model());
            PatchDiscriminator disc = new PatchDiscriminator(vc.disc());
            vae.to(device, false);
            disc.to(device, false);
            AdamW optVae = new AdamW(vae, vc.train().beta1(), vc.train().beta2(), 1e-8, vc.train().weightDecay());
            AdamW optDisc = new AdamW(disc, vc.train().discBeta1(), vc.train().discBeta2(), 1e-8, vc.train().weightDecay());
            LrSchedule lrVae = new LrSchedule.Cosine(vc.train().lr(), vc.train().lrMin(), 0, total);
            LrSchedule lrDisc = new LrSchedule.Cosine(vc.train().discLr(), vc.train().discLrMin(), 0, total);
            VaeGanStep stepper = new VaeGanStep(vc, config.seed(), device, vae, disc, optVae, optDisc);

            CheckpointStore store = openStore();
            long step = 0;
            Optional<Path> last = store.last();
            if (resume) {
                Path ck = last.orElseThrow(() -> new LdmException("--resume: " + store.dir()
                        + " has no checkpoint to resume from; run without --resume to start training"));
                step = restore(ck, vae, disc, optVae, optDisc);
                out.printf("resumed %s at step %,d of %,d%n", ck, step, total);
            } else if (last.isPresent()) {
                throw new LdmException(run.root() + " already has VAE checkpoints (" + last.get().getFileName()
                        + "): pass --resume to continue that run, or choose a new --run folder");
            }
            run.writeConfig(config);
            out.printf("train-vae: %s, VAE %,d parameters, discriminator %,d parameters, batch %d, %,d steps "
                            + "(%,d per epoch), device %s%n", data.train().source(), StateDict.parameterCount(vae),
                    StateDict.parameterCount(disc), batch, total, perEpoch, Devices.describe(device));

            VaeEvaluator evaluator = new VaeEvaluator(data.requireTest(), transform, device, config.data().workers());
            Path lastCheckpoint = last.orElse(null);
            long sessionSteps = 0;
            boolean finished = step >= total;
            long windowStart = System.nanoTime();
            long windowImages = 0;
            try (Progress progress = Progress.start("train-vae", total, "step", step)) {
                while (step < total && !budget.exhausted(sessionSteps)) {
                    int epoch = (int) (step / perEpoch);
                    int first = (int) (step % perEpoch);
                    try (DataLoader.Epoch it = loader.epoch(epoch, first)) {
                        while (it.hasNext() && step < total && !budget.exhausted(sessionSteps)) {
                            Batch b = it.next();
                            Map<String, Double> m;
                            try (StepScope scope = StepScope.open()) {
                                boolean logStep = (step + 1) % vc.train().logEvery() == 0 || step + 1 == total;
                                m = stepper.run(step, b.imageTensor(), lrVae.lr(step), lrDisc.lr(step), logStep);
                            }
                            checkFinite(m, step, lastCheckpoint);
                            step++;
                            sessionSteps++;
                            windowImages += b.size();
                            progress.step(1);
                            progress.status(String.format("rec=%.4f kl=%.3f", m.get("rec"), m.get("kl")));
                            if (step % vc.train().logEvery() == 0 || step == total) {
                                double secs = (System.nanoTime() - windowStart) / 1e9;
                                m.put("images_per_s", windowImages / secs);
                                m.put("ms_per_step", 1000 * secs / (windowImages / (double) batch));
                                m.put("epoch", (double) epoch);
                                log.scalars("train", step, m);
                                windowStart = System.nanoTime();
                                windowImages = 0;
                            }
                            if (step % vc.train().evalEvery() == 0 && step < total) {
                                ReconstructionMetrics r = evaluator.evaluate(vae, vc.train().evalImages());
                                logEval(log, evaluator, vae, step, r);
                            }
                            if (step % vc.train().checkpointEvery() == 0 && step < total) {
                                lastCheckpoint = save(store, step, vae, disc, optVae, optDisc);
                            }
                        }
                    }
                }
            }
            finished = step >= total;
            if (!finished || sessionSteps > 0 || lastCheckpoint == null) {
                lastCheckpoint = save(store, step, vae, disc, optVae, optDisc);
            }
            if (!finished) {
                out.printf("stopped at step %,d of %,d (budget reached); checkpoint %s; continue with --resume%n",
                        step, total, lastCheckpoint);
                return new Outcome(step, total, false, lastCheckpoint, Optional.empty(), null);
            }
            ReconstructionMetrics test = evaluator.evaluate(vae, vc.train().finalEvalImages());
            logEval(log, evaluator, vae, step, test);
            out.printf("test reconstruction on %,d images: MSE %.5f, PSNR %.2f dB (pixels on the [-1, 1] scale)%n",
                    test.images(), test.mse(), test.psnr());
            LatentStatistics stats = LatentStatistics.compute(vae, data.train(), transform, device, config.seed(),
                    config.data().workers());
            out.printf("latent statistics over %,d training images: mean %s, std %s, KL per element %.4f%n",
                    stats.count(), fmt(stats.normalizer().mean()), fmt(stats.normalizer().std()), stats.klPerElement());
            log.scalars("latents", step, stats.asMap());
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("test_mse", Double.toString(test.mse()));
            extra.put("test_psnr", Double.toString(test.psnr()));
            extra.put("test_images", Integer.toString(test.images()));
            extra.put("latent_kl_per_element", Double.toString(stats.klPerElement()));
            Path vaeFile = run.root().resolve("vae.safetensors");
            VaeCheckpoints.writeVae(vaeFile, vae, stats.normalizer(), config, step, extra);
            out.println("wrote " + vaeFile);
            return new Outcome(step, total, true, lastCheckpoint, Optional.of(vaeFile), test);
        }
    }

    static void checkFinite(Map<String, Double> m, long step, Path lastGood) {
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                throw new LdmException("training diverged: " + e.getKey() + " = " + e.getValue() + " at step " + (step + 1)
                        + "; last good checkpoint: " + (lastGood == null ? "none" : lastGood)
                        + " (continue from it with --resume, e.g. with a lower --set vae.train.lr=...)");
            }
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

    private CheckpointStore openStore() {
        try {
            return CheckpointStore.open(run.checkpointsDir("vae"), vc.train().keepCheckpoints());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + run.checkpointsDir("vae") + ": " + e.getMessage(), e);
        }
    }

    private Path save(CheckpointStore store, long step, Autoencoder vae, PatchDiscriminator disc, AdamW optVae,
                      AdamW optDisc) {
        Map<String, HostTensor> t = new LinkedHashMap<>(StateDict.toHost(vae, "vae."));
        t.putAll(StateDict.toHost(disc, "disc."));
        t.putAll(optVae.state("opt.vae."));
        t.putAll(optDisc.state("opt.disc."));
        Map<String, String> meta = RunDir.provenance(config, VaeCheckpoints.KIND_TRAIN, step, null);
        meta.remove("step"); // the store adds it
        try {
            return store.save(step, t, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint to " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    /** Loads a training checkpoint; the architecture must match the config's. Returns its step. */
    private long restore(Path file, Autoencoder vae, PatchDiscriminator disc, AdamW optVae, AdamW optDisc) {
        try (SafetensorsFile f = Safetensors.read(file)) {
            Map<String, String> meta = f.metadata();
            VaeCheckpoints.requireKind(file, meta, VaeCheckpoints.KIND_TRAIN);
            Config saved = new ConfigResolver().parse(meta.get("config"), file + " (metadata 'config')");
            if (!saved.vae().model().equals(vc.model()) || !saved.vae().disc().equals(vc.disc())) {
                throw new LdmException(file + " was trained with a different architecture (checkpoint: vae.model="
                        + saved.vae().model() + ", vae.disc=" + saved.vae().disc() + "; now: vae.model=" + vc.model()
                        + ", vae.disc=" + vc.disc() + "): resume with the run's own --config " + run.configFile());
            }
            Map<String, HostTensor> all = f.getAll();
            StateDict.load(vae, all, "vae.", file);
            StateDict.load(disc, all, "disc.", file);
            optVae.load(all, "opt.vae.", file);
            optDisc.load(all, "opt.disc.", file);
            return Long.parseLong(meta.get("step"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }


    static String fmt(float[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format("%.4f", v[i]));
        }
        return sb.append(']').toString();
    }
}
