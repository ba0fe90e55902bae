package ldm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LdmException;
import ldm4j.autoencoder.Autoencoder;
import ldm4j.autoencoder.VaeGanStep;
import ldm4j.bench.Agreement;
import ldm4j.bench.Bench;
import ldm4j.bench.BenchResult;
import ldm4j.bench.Flops;
import ldm4j.bench.MatmulRate;
import ldm4j.config.Config;
import ldm4j.data.Batch;
import ldm4j.data.DataLoader;
import ldm4j.data.DataSpec;
import ldm4j.data.ImageDecoder;
import ldm4j.data.ShardImages;
import ldm4j.data.Splits;
import ldm4j.data.Transform;
import ldm4j.data.WdsStepBatches;
import ldm4j.diffusion.ClassifierFreeGuidance;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.diffusion.VDenoiser;
import ldm4j.diffusion.Samplers;
import ldm4j.diffusion.StepNoise;
import ldm4j.diffusion.TimeGrid;
import ldm4j.io.AtomicFiles;
import ldm4j.torch.Devices;
import ldm4j.torch.Precision;
import ldm4j.torch.Threads;
import ldm4j.nn.Backbone;
import ldm4j.unet.Backbones;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.distributed.Ranks;
import ldm4j.unet.UnetStep;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j bench}: step timings and memory of the preset's models, as a table and JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time the training and sampling steps of the preset's architectures on random inputs: median ms per "
                + "step after warm-up, images/s, peak RSS and RSS growth over the timed steps; GFLOP per step (matmuls, "
                + "convolutions, attention; forward and backward), GFLOP/s, and that as a fraction of this machine's "
                + "matmul rate in the step's precision.",
                "Targets: data (needs --data), vae (VAE + discriminator step), unet (the backbone's training step with AdamW, clipping and EMA: the UNet, or the DiT with unet.model.type=dit, e.g. --preset tiny-dit), "
                        + "encode (VAE encoder), sample (DDIM with guidance), all."})
public final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", defaultValue = "all", paramLabel = "TARGET", description = "data, vae, unet, encode, sample, all, matmul (only the fp32 and bf16 matmul rates), or agree (export one VAE-GAN and one UNet batch for bench/python/agree.py).")
    String target;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size. Default: the preset's for the target "
            + "(vae.train.batchSize, unet.train.batchSize, latents.batchSize, sample.batchSize; 32 for data).")
    Integer batch;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10", description = "Timed steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Untimed warm-up steps. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--sample-steps", paramLabel = "K", defaultValue = "50", description = "Sampler steps in the sample benchmark.")
    int sampleSteps;

    @Option(names = "--data", paramLabel = "SPEC", description = "Dataset for the data benchmark.")
    String data;

    @Option(names = "--matmul-size", paramLabel = "N", defaultValue = "4096",
            description = "Side of the square matmul that measures this machine's fp32 and bf16 rate (0: skip). Default: ${DEFAULT-VALUE}.")
    int matmulSize;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Mixin
    ConfigOptions config;

    @Option(names = "--agree-dir", paramLabel = "DIR", defaultValue = "target/agree",
            description = "Where 'agree' writes its batches. Default: ${DEFAULT-VALUE}.")
    Path agreeDir;

    @Spec
    CommandSpec spec;

    private Collective ranks = Collective.single();
    private Precision precision;
    private double collectiveBefore;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (steps < 1 || warmup < 0 || sampleSteps < 1 || matmulSize < 0 || (batch != null && batch < 1)) {
            throw new LdmException("--steps, --sample-steps and --batch must be >= 1, --warmup and --matmul-size >= 0");
        }
        List<String> targets = target.equals("all") ? List.of("vae", "unet", "encode", "sample")
                : target.equals("matmul") ? List.of() : List.of(target);          // matmul: only the rates
        for (String t : targets) {
            if (!List.of("data", "vae", "unet", "encode", "sample", "agree").contains(t)) {
                throw new LdmException("unknown bench target '" + t + "': expected data, vae, unet, encode, sample, all, "
                        + "matmul or agree");
            }
        }
        if (targets.equals(List.of("data"))) {
            return dataOnly(out); // the data settings alone: no UNet/VAE cross-check can refuse data.resolution
        }
        Config cfg = config.resolveWithData(data);
        int threads = Threads.configure(cfg.threads());
        if (target.equals("agree")) {
            Path v = Agreement.vae(cfg, batchOr(cfg.vae().train().batchSize()), agreeDir);
            Path u = Agreement.unet(cfg, batchOr(cfg.unet().train().batchSize()), agreeDir);
            out.println("wrote " + v + " and " + u + "; compare with: .venv-ref/bin/python bench/python/agree.py " + agreeDir);
            out.flush();
            return 0;
        }
        Device device = Devices.resolve(cfg.device());
        precision = Precision.resolve(cfg.precision(), device);
        DistEnv env = DistEnv.fromEnvironment();
        if (env.distributed() && !List.of("vae", "unet").containsAll(targets)) {
            throw new LdmException("under launch, bench runs the data-parallel training steps only: targets vae and unet");
        }
        ranks = Ranks.join(env, Ranks.identity(cfg) + target + batch + steps + warmup, device);
        if (env.distributed()) {
            out.printf("bench: rank %d of %d, data-parallel (each rank runs its slice of the batch; images/s counts the "
                    + "whole batch)%n", env.rank(), env.worldSize());
        }
        out.printf("bench: preset %s, %s, %s, %d libtorch threads, OPENBLAS_NUM_THREADS=%s, allocator %s%n", cfg.preset(),
                Devices.describe(device), precision.describe(), threads, System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "(unset)"),
                allocator());
        MatmulRate rate = targets.equals(List.of("data")) ? MatmulRate.none() : MatmulRate.measure(matmulSize, device);
        if (rate.size() > 0) {
            out.printf("bench: matmul %dx%d: fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s (median of %d; 'of mm' below is a row's "
                    + "GFLOP/s over the rate of its precision)%n", rate.size(), rate.size(), rate.fp32(), rate.bf16(),
                    MatmulRate.REPEATS);
        }
        out.println(BenchResult.header());
        List<BenchResult> results = new ArrayList<>();
        for (String t : targets) {
            BenchResult r = switch (t) {
                case "data" -> data(cfg);
                case "vae" -> vae(cfg, device);
                case "unet" -> unet(cfg, device);
                case "encode" -> encode(cfg, device);
                default -> sample(cfg, device);
            };
            r = r.withFlops(Flops.of(t, cfg, r.batch(), sampleSteps), precision(t), rate, ranks.worldSize());
            results.add(r);
            out.println(r.row());
            if (env.distributed()) {
                out.printf("  %s: %.1f ms per step in allreduce (gradients, metrics, the stop check), %d ranks%n", t,
                        1000 * (ranks.secondsInCollectives() - collectiveBefore) / (warmup + steps), env.worldSize());
                collectiveBefore = ranks.secondsInCollectives();
            }
            out.flush();
        }
        ranks.close();
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("preset", cfg.preset());
            doc.put("threads", threads);
            doc.put("device", Devices.describe(device));
            doc.put("precision", precision.label());
            doc.put("allocator", allocator());
            doc.put("matmul", rate.size() > 0 ? rate : null);
            doc.put("results", results);
            writeJson(doc);
        }
        return 0;
    }

    private void writeJson(Map<String, Object> doc) {
        try {
            AtomicFiles.writeBytes(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json + ": " + e.getMessage(), e);
        }
    }

    /** What a target computes in: every network call follows the precision (the data benchmark computes nothing). */
    private String precision(String target) {
        return target.equals("data") ? "fp32" : precision.label();
    }

    /** The native allocator this process runs with (bin/ldm4j chooses it; see bin/lib/allocator.sh). */
    static String allocator() {
        Map<String, String> env = System.getenv();
        if (env.getOrDefault("LD_PRELOAD", "").contains("jemalloc")) {
            return "jemalloc";
        }
        String mmap = env.get("MALLOC_MMAP_THRESHOLD_");
        String tunables = env.get("GLIBC_TUNABLES");
        return mmap == null && tunables == null ? "glibc (defaults)"
                : "glibc (" + (mmap != null ? "mmap threshold " + mmap : "") + (mmap != null && tunables != null ? ", " : "")
                + (tunables != null ? tunables : "") + ")";
    }

    private String rankNote() {
        return ranks.worldSize() == 1 ? "" : " x" + ranks.worldSize() + " ranks";
    }

    private int batchOr(int preset) {
        return batch != null ? batch : preset;
    }

    /** {@code bench data}: the loader's batches (decode + crop + flip), with only the data settings resolved. */
    private int dataOnly(PrintWriter out) {
        if (data == null) {
            throw new LdmException("bench data needs --data SPEC (e.g. --data folder:PATH with PATH/train/<class>/ images)");
        }
        ConfigOptions.DataSettings cfg = config.resolveDataOnly(data);
        int threads = Threads.configure(cfg.threads());
        Splits splits = DataSpec.open(cfg.data(), spec.commandLine().getErr()::println);
        Transform t = Transform.of(cfg.data());
        int b = batchOr(32);
        int workers = cfg.data().workers();
        out.printf("bench: data %s, %s, %d workers, %d libtorch threads, %d cores, allocator %s%n", cfg.data().spec(), t.describe(),
                workers, threads, Runtime.getRuntime().availableProcessors(), allocator());
        out.println(BenchResult.header());
        BenchResult r;
        if (splits.train() instanceof ShardImages shards) { // tar shards: the stream train-vae reads
            try (WdsStepBatches batches = WdsStepBatches.of(shards, t,
                    new ImageDecoder(cfg.data().maxPixels()), b, true, cfg.seed(), 0, 1, workers,
                    cfg.data().prefetch())) {
                long[] step = {0};
                r = Bench.time("data " + cfg.data().resolution() + "px " + t.crop() + " wds", b, warmup, steps,
                        i -> batches.at(step[0]++).size());
            }
        } else {
            try (DataLoader loader = DataLoader.training(splits.train(), t, b, true, cfg.seed(), workers, cfg.data().prefetch());
                 DataLoader.Epoch epoch = loader.epoch(0)) {
                r = Bench.time("data " + cfg.data().resolution() + "px " + t.crop(), b, warmup, steps, i -> epoch.next().size());
            }
        }
        out.println(r.row());
        out.printf("bench: data %.0f images/s with %d workers = %.0f images/s per worker%n", r.imagesPerSecond(), workers,
                r.imagesPerSecond() / workers);
        out.flush();
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("data", cfg.data().spec());
            doc.put("workers", workers);
            doc.put("threads", threads);
            doc.put("allocator", allocator());
            doc.put("results", List.of(r));
            writeJson(doc);
        }
        return 0;
    }

    private BenchResult data(Config cfg) {
        if (data == null) {
            throw new LdmException("bench data needs --data SPEC (e.g. --data folder:PATH with PATH/train/<class>/ images)");
        }
        Splits splits = DataSpec.open(cfg.data(), spec.commandLine().getErr()::println);
        int b = batchOr(cfg.vae().train().batchSize());
        try (DataLoader loader = DataLoader.training(splits.train(), Transform.of(cfg.data()), b, true, cfg.seed(), cfg.data().workers(), cfg.data().prefetch());
             DataLoader.Epoch epoch = loader.epoch(0)) {
            return Bench.time("data " + cfg.data().resolution() + "px", b, warmup, steps, i -> {
                Batch x = epoch.next();
                return x.size();
            });
        }
    }

    /** The trainer's own VAE-GAN step (config hyperparameters), past the adversarial ramp: the full GAN step. */
    private BenchResult vae(Config cfg, Device device) {
        VaeGanStep step = VaeGanStep.create(cfg.vae(), cfg.seed(), device, precision);
        int global = batchOr(cfg.vae().train().batchSize());
        int b = global / ranks.worldSize();
        if (ranks.worldSize() > 1) {
            step.dataParallel(ranks, global, DistEnv.fromEnvironment().slice(global).from());
        }
        int r = cfg.data().resolution();
        long adversarial = cfg.vae().loss().advStart() + cfg.vae().loss().advWarmup();
        return Bench.time("vae+disc train step " + r + "px" + rankNote(), global, warmup, steps, i -> {
            Tensor x = torch.rand(b, 3, r, r).mul(new Scalar(2)).sub(new Scalar(1));
            step.run(adversarial + i, x, cfg.vae().train().lr(), cfg.vae().train().discLr(), false);
            return global;
        });
    }

    /** The trainer's own UNet step (config hyperparameters) on random latents, times and labels. */
    private BenchResult unet(Config cfg, Device device) {
        int c = cfg.vae().model().latentChannels();
        int s = cfg.data().resolution() / cfg.vae().model().downsampleFactor();
        int global = batchOr(cfg.unet().train().batchSize());
        DistEnv.fromEnvironment().slice(global); // refuses a batch the ranks cannot share
        int b = global / ranks.worldSize();
        UnetStep step = new UnetStep(cfg.unet(), c, s, warmup + steps + 1L, cfg.seed(), device, precision, ranks);
        int classes = cfg.unet().model().numClasses();
        String net = Backbones.benchName(cfg.unet().model());
        return Bench.time(net + " train step " + s + "x" + s + rankNote(), global, warmup, steps, i -> {
            Tensor z = torch.randn(b, c, s, s);
            Tensor eps = torch.randn(b, c, s, s);
            Tensor t = torch.rand(b);
            Tensor y = torch.randint(classes + 1, new long[]{b});
            step.run(i, z, eps, t, y);
            return global;
        });
    }

    private BenchResult encode(Config cfg, Device device) {
        torch.manual_seed(cfg.seed());
        Autoencoder vae = new Autoencoder(cfg.vae().model());
        vae.to(device, false);
        vae.train(false);
        int b = batchOr(cfg.latents().batchSize());
        int r = cfg.data().resolution();
        return Bench.time("vae encode " + r + "px", b, warmup, steps, i -> {
            try (InferenceMode m = new InferenceMode()) {
                Tensor x = torch.rand(b, 3, r, r).to(device, torch.ScalarType.Float);
                Precision.toFp32(precision.autocast(() -> vae.encode(x).mean()));
            }
            return b;
        });
    }

    private BenchResult sample(Config cfg, Device device) {
        int c = cfg.vae().model().latentChannels();
        int s = cfg.data().resolution() / cfg.vae().model().downsampleFactor();
        torch.manual_seed(cfg.seed());
        Backbone unet = Backbones.create(cfg.unet().model(), c, s);
        unet.module().to(device, false);
        unet.module().train(false);
        int b = batchOr(cfg.sample().batchSize());
        var schedule = NoiseSchedule.of(cfg.unet().diffusion());
        double[] times = TimeGrid.of(schedule, sampleSteps, TimeGrid.defaultFor(cfg.sample().sampler()));
        var sampler = Samplers.byName(cfg.sample().sampler(), 0);
        var guided = ClassifierFreeGuidance.of(new VDenoiser((x, t, y) -> precision.autocast(() -> Precision.toFp32(unet.forward(x, t, y))), schedule), cfg.sample().cfg(),
                cfg.unet().model().numClasses());
        int warm = Math.min(warmup, 1);
        int timed = Math.max(1, Math.min(steps, 3));
        return Bench.time("sample " + cfg.sample().sampler() + " " + sampleSteps + " steps cfg " + cfg.sample().cfg(), b,
                warm, timed, i -> {
                    try (InferenceMode m = new InferenceMode()) {
                        Tensor x = torch.randn(b, c, s, s).to(device, torch.ScalarType.Float);
                        Tensor y = torch.randint(cfg.unet().model().numClasses(), new long[]{b}).to(device, torch.ScalarType.Long);
                        sampler.sample(guided, schedule, x, y, times, StepNoise.none());
                    }
                    return b;
                });
    }
}
