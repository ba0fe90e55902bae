package ldm4j.unet;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import ldm4j.LdmException;
import ldm4j.autoencoder.LatentNormalizer;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.config.UnetStageConfig;
import ldm4j.diffusion.CosineSchedule;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.diffusion.LossWeighting;
import ldm4j.diffusion.VDenoiser;
import ldm4j.io.CheckpointStore;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.latents.LatentSet;
import ldm4j.nn.StateDict;
import ldm4j.torch.DTypePolicy;
import ldm4j.torch.Devices;
import ldm4j.torch.StepScope;
import ldm4j.train.AdamW;
import ldm4j.train.Budget;
import ldm4j.train.Ema;
import ldm4j.train.LrSchedule;
import ldm4j.train.Progress;
import ldm4j.train.RunDir;
import ldm4j.train.Seeds;
import ldm4j.train.TrainLog;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains the class-conditional UNet on cached latents (the write-up's second stage). Each step
 * draws, from a generator seeded by (seed, step): a flip per image, a fresh posterior sample from
 * the cached moments, a time t ~ U[tMin, tMax], the diffusion noise and the label dropout; the
 * latents are normalised with the VAE's stored statistics; the loss is the v-MSE.
 */
public final class UnetTrainer {
    private final Config config;
    private final UnetStageConfig uc;
    private final RunDir run;
    private final Device device;
    private final PrintWriter out;
    private final NoiseSchedule schedule = CosineSchedule.standard();

    public UnetTrainer(Config config, RunDir run, Device device, PrintWriter out) {
        this.config = config;
        this.uc = config.unet();
        this.run = run;
        this.device = device;
        this.out = out;
    }

    public record Outcome(long step, long totalSteps, boolean finished, Path checkpoint, Optional<Path> unetFile,
                          Map<String, Double> heldOutRaw, Map<String, Double> heldOutEma) {
    }

    /**
     * @param normalizer the VAE's latent statistics
     * @param vaeSha256  SHA-256 of the VAE file the cache was built with (recorded as the parent)
     */
    public Outcome train(LatentSet train, LatentSet test, LatentNormalizer normalizer, String vaeSha256, Budget budget,
                         boolean resume) {
        int batch = uc.train().batchSize();
        if (train.size() < batch) {
            throw new LdmException("the latent cache has " + train.size() + " training images, fewer than one batch of " + batch);
        }
        long perEpoch = train.size() / batch;
        long total = uc.train().steps() > 0 ? uc.train().steps() : perEpoch * uc.train().epochs();
        long[] latentShape = train.shape();                                           // (C, h, w)
        int c = (int) latentShape[0];
        int size = (int) latentShape[1];

        torch.manual_seed(config.seed());
        Unet unet = new Unet(uc.model(), c, size);
        Unet emaNet = new Unet(uc.model(), c, size);
        unet.to(device, false);
        emaNet.to(device, false);
        Ema ema = new Ema(unet, emaNet, uc.train().emaDecay(), uc.train().emaWarmup());
        AdamW opt = new AdamW(unet, uc.train().beta1(), uc.train().beta2(), 1e-8, uc.train().weightDecay());
        LrSchedule lr = new LrSchedule.Cosine(uc.train().lr(), uc.train().lrMin(), Math.min(uc.train().warmup(), total - 1), total);
        VDenoiser denoiser = new VDenoiser(unet::forward, schedule,
                LossWeighting.of(uc.diffusion().loss(), uc.diffusion().minSnrGamma()));
        DTypePolicy precision = DTypePolicy.forDevice(device);
        long nullClass = uc.model().numClasses();

        CheckpointStore store;
        try {
            store = CheckpointStore.open(run.checkpointsDir("unet"), uc.train().keepCheckpoints());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + run.checkpointsDir("unet") + ": " + e.getMessage(), e);
        }
        long step = 0;
        Optional<Path> last = store.last();
        if (resume) {
            Path ck = last.orElseThrow(() -> new LdmException("--resume: " + store.dir()
                    + " has no checkpoint to resume from; run without --resume to start training"));
            step = restore(ck, unet, ema, opt, vaeSha256);
            out.printf("resumed %s at step %,d of %,d%n", ck, step, total);
        } else if (last.isPresent()) {
            throw new LdmException(run.root() + " already has UNet checkpoints (" + last.get().getFileName()
                    + "): pass --resume to continue, or delete " + store.dir() + " to start over");
        }
        run.writeConfig(config);
        out.printf("train-unet: %,d latents (x2 flips), UNet %,d parameters, batch %d, %,d steps (%,d per epoch), "
                        + "label dropout %.2f, device %s%n", train.size(), StateDict.parameterCount(unet), batch, total,
                perEpoch, uc.diffusion().labelDropout(), Devices.describe(device));

        Path lastCheckpoint = last.orElse(null);
        long sessionSteps = 0;
        Map<String, Double> rawEval = null;
        Map<String, Double> emaEval = null;
        try (TrainLog log = new TrainLog(run, "unet");
             HeldOutVMse heldOut = new HeldOutVMse(test, normalizer, uc.train().evalLatents(), config.seed(), device);
             Progress progress = Progress.start("train-unet", total, "step", step)) {
            int[] order = null;
            long orderEpoch = -1;
            long windowStart = System.nanoTime();
            long windowSteps = 0;
            while (step < total && !budget.exhausted(sessionSteps)) {
                long epoch = step / perEpoch;
                if (epoch != orderEpoch) {
                    order = ldm4j.data.DataLoader.permutation(train.size(), Seeds.derive(config.seed(), Seeds.GLOBAL, epoch));
                    orderEpoch = epoch;
                }
                int first = (int) ((step % perEpoch) * batch);
                int[] idx = java.util.Arrays.copyOfRange(order, first, first + batch);
                double lossValue;
                double gradNorm;
                double lrNow = lr.lr(step);
                try (StepScope scope = StepScope.open()) {
                    torch.manual_seed(Seeds.derive(config.seed(), Seeds.GLOBAL + 100, step)); // dropout inside the UNet
                    Generator g = Seeds.generator(config.seed(), Seeds.NOISE, step);
                    GeneratorOptional go = new GeneratorOptional(g);
                    TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
                    boolean[] flips = new boolean[batch];
                    float[] u = ldm4j.torch.Tensors.toFloats(torch.rand(new long[]{batch}, go, f32));
                    for (int k = 0; k < batch; k++) {
                        flips[k] = u[k] < 0.5f;
                    }
                    LatentSet.Moments m = train.gather(idx, flips);
                    long[] shape = ldm4j.torch.Tensors.shape(m.mean());
                    Tensor post = torch.randn(shape, go, f32);
                    Tensor tt = torch.rand(new long[]{batch}, go, f32).mul(new Scalar(schedule.tMax() - schedule.tMin()))
                            .add(new Scalar(schedule.tMin()));                                  // (B,) in [tMin, tMax]
                    Tensor eps = torch.randn(shape, go, f32);                                   // (B, C, h, w)
                    Tensor drop = torch.rand(new long[]{batch}, go, f32).lt(new Scalar(uc.diffusion().labelDropout()));
                    Tensor y = torch.where(drop, torch.full(new long[]{batch}, new Scalar(nullClass),
                            new TensorOptions(torch.ScalarType.Long)), m.labels());              // (B,) with null class
                    Tensor z0 = normalizer.normalize(m.sample(post)).to(device, torch.ScalarType.Float);
                    unet.train(true);
                    Tensor l;
                    try (AutoCloseable ac = precision.autocast()) {
                        l = denoiser.loss(z0, eps.to(device, torch.ScalarType.Float),
                                tt.to(device, torch.ScalarType.Float), y.to(device, torch.ScalarType.Long));
                    } catch (Exception e) {
                        throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
                    }
                    opt.zeroGrad();
                    l.backward();
                    gradNorm = torch.clip_grad_norm_(opt.parameters(),
                            uc.train().clipNorm() > 0 ? uc.train().clipNorm() : Double.MAX_VALUE, 2.0, false);
                    opt.step(lrNow);
                    ema.update();
                    lossValue = l.item_double();
                }
                if (!Double.isFinite(lossValue) || !Double.isFinite(gradNorm)) {
                    throw new LdmException("training diverged: loss = " + lossValue + ", grad norm = " + gradNorm + " at step "
                            + (step + 1) + "; last good checkpoint: " + (lastCheckpoint == null ? "none" : lastCheckpoint)
                            + " (continue from it with --resume, e.g. with a lower --set unet.train.lr=...)");
                }
                step++;
                sessionSteps++;
                windowSteps++;
                progress.step(1);
                progress.status(String.format("loss=%.4f", lossValue));
                if (step % uc.train().logEvery() == 0 || step == total) {
                    double secs = (System.nanoTime() - windowStart) / 1e9;
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("loss", lossValue);
                    m.put("grad_norm", gradNorm);
                    m.put("lr", lrNow);
                    m.put("ema_decay", ema.currentDecay());
                    m.put("ms_per_step", 1000 * secs / windowSteps);
                    m.put("images_per_s", windowSteps * batch / secs);
                    m.put("epoch", (double) epoch);
                    log.scalars("train", step, m);
                    windowStart = System.nanoTime();
                    windowSteps = 0;
                }
                if (step % uc.train().evalEvery() == 0 || step == total) {
                    rawEval = heldOut.evaluate(unet);
                    emaEval = heldOut.evaluate(emaNet);
                    log.scalars("heldout_raw", step, rawEval);
                    log.scalars("heldout_ema", step, emaEval);
                    out.printf("step %,d: held-out v-MSE raw %.4f, EMA %.4f (%d test latents, t = 0.1..0.9)%n", step,
                            rawEval.get("mean"), emaEval.get("mean"), heldOut.size());
                    windowStart = System.nanoTime();
                }
                if (step % uc.train().checkpointEvery() == 0 && step < total) {
                    lastCheckpoint = save(store, step, unet, ema, opt, vaeSha256);
                }
            }
        }
        boolean finished = step >= total;
        if (sessionSteps > 0 || lastCheckpoint == null) {
            lastCheckpoint = save(store, step, unet, ema, opt, vaeSha256);
        }
        if (!finished) {
            out.printf("stopped at step %,d of %,d (budget reached); checkpoint %s; continue with --resume%n", step, total,
                    lastCheckpoint);
            return new Outcome(step, total, false, lastCheckpoint, Optional.empty(), rawEval, emaEval);
        }
        Map<String, String> extra = new LinkedHashMap<>();
        try {
            extra.put("classes", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(train.classes()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (emaEval != null) {
            extra.put("heldout_vmse_ema", Double.toString(emaEval.get("mean")));
            extra.put("heldout_vmse_raw", Double.toString(rawEval.get("mean")));
        }
        Path file = run.root().resolve("unet.safetensors");
        UnetCheckpoints.write(file, unet, emaNet, config, step, vaeSha256, extra);
        out.println("wrote " + file);
        return new Outcome(step, total, true, lastCheckpoint, Optional.of(file), rawEval, emaEval);
    }

    private Path save(CheckpointStore store, long step, Unet unet, Ema ema, AdamW opt, String vaeSha256) {
        Map<String, HostTensor> t = new LinkedHashMap<>(StateDict.toHost(unet, "unet."));
        t.putAll(ema.state("ema."));
        t.putAll(opt.state("opt."));
        Map<String, String> meta = RunDir.provenance(config, UnetCheckpoints.KIND_TRAIN, step, vaeSha256);
        meta.remove("step");
        try {
            return store.save(step, t, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint to " + store.dir() + ": " + e.getMessage(), e);
        }
    }

    private long restore(Path file, Unet unet, Ema ema, AdamW opt, String vaeSha256) {
        try (SafetensorsFile f = Safetensors.read(file)) {
            Map<String, String> meta = f.metadata();
            ldm4j.autoencoder.VaeCheckpoints.requireKind(file, meta, UnetCheckpoints.KIND_TRAIN);
            Config saved = new ConfigResolver().parse(meta.get("config"), file + " (metadata 'config')");
            if (!saved.unet().model().equals(uc.model())) {
                throw new LdmException(file + " was trained with a different UNet (checkpoint: unet.model=" + saved.unet().model()
                        + "; now: " + uc.model() + "): resume with the run's own --config " + run.configFile());
            }
            if (vaeSha256 != null && !vaeSha256.equals(meta.get("parent_sha256"))) {
                throw new LdmException(file + " was trained on latents of a different VAE (" + meta.get("parent_sha256")
                        + ", now " + vaeSha256 + "): start a new UNet run instead of resuming");
            }
            Map<String, HostTensor> all = f.getAll();
            StateDict.load(unet, all, "unet.", file);
            ema.load(all, "ema.", file);
            opt.load(all, "opt.", file);
            return Long.parseLong(meta.get("step"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
