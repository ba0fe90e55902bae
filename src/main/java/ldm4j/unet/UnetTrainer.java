package ldm4j.unet;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LdmException;
import ldm4j.autoencoder.LatentNormalizer;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.config.UnetStageConfig;
import ldm4j.data.DataLoader;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.io.Checkpoints;
import ldm4j.io.HostTensor;
import ldm4j.latents.LatentSet;
import ldm4j.nn.Backbone;
import ldm4j.nn.DropoutNoise;
import ldm4j.nn.StateDict;
import ldm4j.torch.Devices;
import ldm4j.torch.Precision;
import ldm4j.torch.Tensors;
import ldm4j.train.BadBatchException;
import ldm4j.train.Budget;
import ldm4j.train.Divergence;
import ldm4j.train.RunDir;
import ldm4j.train.Seeds;
import ldm4j.train.TrainLog;
import ldm4j.train.Trainable;
import ldm4j.train.TrainingLoop;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains the class-conditional UNet on cached latents (the write-up's second stage) in the shared
 * {@link TrainingLoop}. Each step draws, from a generator seeded by (seed, step): a flip per image,
 * a fresh posterior sample from the cached moments, a time t ~ U[tMin, tMax], the diffusion noise and
 * the label dropout; the latents are normalised with the VAE's stored statistics; the loss is the v-MSE.
 */
public final class UnetTrainer {
    private final Config config;
    private final UnetStageConfig uc;
    private final RunDir run;
    private final Device device;
    private final Precision precision;
    private final PrintWriter out;
    private final NoiseSchedule schedule;
    private final Collective collective;
    private final DistEnv.Slice slice; // this rank's rows of every global batch

    public UnetTrainer(Config config, RunDir run, Device device, PrintWriter out) {
        this(config, run, device, out, DistEnv.single(), Collective.single());
    }

    /**
     * The trainer of one rank of a data-parallel job: each step it trains on its slice of the global
     * batch (the same random draws as one process, taken for the whole batch and sliced), averages
     * gradients over the ranks, and only rank 0 writes logs, checkpoints and the final UNet.
     */
    public UnetTrainer(Config config, RunDir run, Device device, PrintWriter out, DistEnv env, Collective collective) {
        this.collective = collective;
        this.schedule = NoiseSchedule.of(config.unet().diffusion());
        this.slice = env.slice(config.unet().train().batchSize());
        this.config = config;
        this.uc = config.unet();
        this.run = run;
        this.device = device;
        this.out = out;
        this.precision = Precision.resolve(config.precision(), device);
    }

    /** What a call to {@link #train} achieved; {@code signal} names the signal that stopped it, if one did. */
    public record Outcome(long step, long totalSteps, boolean finished, Path checkpoint, Optional<Path> unetFile,
                          Map<String, Double> heldOutRaw, Map<String, Double> heldOutEma, String signal) {
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
        boolean main = collective.rank() == 0;
        try (TrainLog log = main ? new TrainLog(run, "unet") : TrainLog.discarding();
             HeldOutVMse heldOut = new HeldOutVMse(test, normalizer, uc.train().evalLatents(), config.seed(), device,
                     schedule)) {
            Training t = new Training(train, normalizer, vaeSha256, total, log, heldOut);
            TrainingLoop loop = new TrainingLoop(new TrainingLoop.Plan("train-unet", total, batch, uc.train().logEvery(),
                    uc.train().evalEvery(), uc.train().checkpointEvery(), "--set unet.train.lr", List.of("loss"), UnetCheckpoints.KIND_TRAIN),
                    run.checkpointsDir("unet"), uc.train().keepCheckpoints(), log, out, collective);
            long step = loop.start(t, resume, run.root());
            if (main) {
                run.writeConfig(config);
                run.recordCompute("train-unet", Devices.describe(device), precision);
            }
            out.printf("train-unet: %,d latents (x2 flips), %s %,d parameters, batch %d, %,d steps (%,d per epoch), "
                            + "label dropout %.2f, device %s, %s%n", train.size(), Backbones.describe(uc.model()),
                    StateDict.parameterCount(t.unet.module()), batch, total,
                    perEpoch, uc.diffusion().labelDropout(), Devices.describe(device), precision.describe());
            TrainingLoop.Outcome o = loop.run(t, step, budget);
            if (!o.finished()) {
                return new Outcome(o.step(), total, false, o.checkpoint(), Optional.empty(), t.rawEval, t.emaEval, o.signal());
            }
            if (!main) {
                return new Outcome(o.step(), total, true, o.checkpoint(), Optional.empty(), t.rawEval, t.emaEval, null);
            }
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("classes", json(train.classes()));
            if (t.emaEval != null) {
                extra.put("heldout_vmse_ema", Double.toString(t.emaEval.get("mean")));
                extra.put("heldout_vmse_raw", Double.toString(t.rawEval.get("mean")));
            }
            Path file = run.root().resolve("unet.safetensors");
            UnetCheckpoints.write(file, t.unet, t.emaNet, config, o.step(), vaeSha256, extra);
            out.println("wrote " + file);
            return new Outcome(o.step(), total, true, o.checkpoint(), Optional.of(file), t.rawEval, t.emaEval, null);
        }
    }

    /** The UNet as the training loop sees it: network, EMA, optimiser, schedules, the step and its state. */
    private final class Training implements Trainable {
        final UnetStep unetStep;
        final Backbone unet;
        final Backbone emaNet;
        final LatentSet train;
        final LatentNormalizer normalizer;
        final String vaeSha256;
        final long perEpoch;
        final TrainLog log;
        final HeldOutVMse heldOut;
        int[] order;            // the permutation of the current epoch
        long orderEpoch = -1;
        Map<String, Double> rawEval;
        Map<String, Double> emaEval;

        Training(LatentSet train, LatentNormalizer normalizer, String vaeSha256, long total, TrainLog log,
                 HeldOutVMse heldOut) {
            this.train = train;
            this.normalizer = normalizer;
            this.vaeSha256 = vaeSha256;
            this.perEpoch = train.size() / uc.train().batchSize();
            this.log = log;
            this.heldOut = heldOut;
            long[] latentShape = train.shape();                                       // (C, h, w)
            unetStep = new UnetStep(uc, schedule, (int) latentShape[0], (int) latentShape[1], total, config.seed(), device,
                    precision, collective);
            unet = unetStep.network();
            emaNet = unetStep.emaNetwork();
        }

        @Override
        public Map<String, Double> step(long step) {
            int b = uc.train().batchSize();                                          // the global batch
            int[] idx = batchIndices(step, b);
            // every draw of this step for the whole batch, from one generator seeded by (seed, step)
            GeneratorOptional g = new GeneratorOptional(Seeds.generator(config.seed(), Seeds.NOISE, step));
            TensorOptions f32 = new TensorOptions(torch.ScalarType.Float);
            float[] u = Tensors.toFloats(torch.rand(new long[]{b}, g, f32));
            boolean[] flips = new boolean[b];
            for (int k = 0; k < b; k++) {
                flips[k] = u[k] < 0.5f;
            }
            long[] latent = train.shape();
            long[] shape = {b, latent[0], latent[1], latent[2]};                       // (B, C, h, w)
            Tensor post = torch.randn(shape, g, f32);
            Tensor t = torch.rand(new long[]{b}, g, f32).mul(new Scalar(schedule.tMax() - schedule.tMin()))
                    .add(new Scalar(schedule.tMin()));                                // (B,) in [tMin, tMax]
            Tensor eps = torch.randn(shape, g, f32);                                  // (B, C, h, w)
            Tensor drop = torch.rand(new long[]{b}, g, f32).lt(new Scalar(uc.diffusion().labelDropout()));

            // this rank's rows [from, from + n) of the batch (all of it in one process)
            int from = slice.from();
            int n = slice.size();
            LatentSet.Moments m = train.gather(Arrays.copyOfRange(idx, from, from + n),
                    Arrays.copyOfRange(flips, from, from + n));
            Tensor y = torch.where(drop.narrow(0, from, n), torch.full(new long[]{n}, new Scalar(uc.model().numClasses()),
                    new TensorOptions(torch.ScalarType.Long)), m.labels());          // (n,), dropped -> null class
            Tensor z0 = normalizer.normalize(m.sample(post.narrow(0, from, n))).to(device, torch.ScalarType.Float);
            unet.dropoutNoise(new DropoutNoise(Seeds.generator(config.seed(), Seeds.DROPOUT, step), b, from));

            Map<String, Double> metrics = unetStep.run(step, z0, eps.narrow(0, from, n), t.narrow(0, from, n), y);
            if (!Double.isFinite(metrics.get("loss")) && Divergence.hasNonFinite(z0)) {
                throw new BadBatchException("loss = " + metrics.get("loss"), "the latent cache " + run.root().resolve("latents")
                        + ": rebuild it with 'bin/ldm4j encode --run " + run.root() + "'");
            }
            metrics.put("epoch", (double) (step / perEpoch));
            return metrics;
        }

        /** The training latents of step {@code step}: its slice of its epoch's permutation. */
        private int[] batchIndices(long step, int b) {
            long epoch = step / perEpoch;
            if (epoch != orderEpoch) {
                order = DataLoader.permutation(train.size(), Seeds.derive(config.seed(), Seeds.GLOBAL, epoch));
                orderEpoch = epoch;
            }
            int first = (int) ((step % perEpoch) * b);
            return Arrays.copyOfRange(order, first, first + b);
        }

        @Override
        public void evaluate(long step) {
            rawEval = heldOut.evaluate(unet);
            emaEval = heldOut.evaluate(emaNet);
            log.scalars("heldout_raw", step, rawEval);
            log.scalars("heldout_ema", step, emaEval);
            out.printf("step %,d: held-out v-MSE raw %.4f, EMA %.4f (%d test latents, t = 0.1..0.9)%n", step,
                    rawEval.get("mean"), emaEval.get("mean"), heldOut.size());
        }

        @Override
        public Map<String, HostTensor> state() {
            Map<String, HostTensor> t = new LinkedHashMap<>(StateDict.toHost(unet.module(), "unet."));
            t.putAll(unetStep.ema.state("ema."));
            t.putAll(unetStep.opt.state("opt."));
            return t;
        }

        @Override
        public Map<String, String> metadata(long step) {
            return RunDir.provenance(config, UnetCheckpoints.KIND_TRAIN, step, vaeSha256);
        }

        @Override
        public void restore(Map<String, HostTensor> all, Map<String, String> meta, Path file) {
            Checkpoints.requireKind(file, meta, UnetCheckpoints.KIND_TRAIN);
            Config saved = new ConfigResolver().parse(meta.get("config"), file + " (metadata 'config')");
            if (!saved.unet().model().equals(uc.model())) {
                throw new LdmException(file + " was trained with a different UNet (checkpoint: unet.model=" + saved.unet().model()
                        + "; now: " + uc.model() + "): resume with the run's own --config " + run.configFile());
            }
            if (vaeSha256 != null && !vaeSha256.equals(meta.get("parent_sha256"))) {
                throw new LdmException(file + " was trained on latents of a different VAE (" + meta.get("parent_sha256")
                        + ", now " + vaeSha256 + "): start a new UNet run instead of resuming");
            }
            StateDict.load(unet.module(), all, "unet.", file);
            unetStep.ema.load(all, "ema.", file);
            unetStep.opt.load(all, "opt.", file);
        }
    }

    private static String json(Object o) {
        try {
            return new ObjectMapper().writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
