package ldm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.autoencoder.VaeTrainer;
import ldm4j.config.ArtifactSettings;
import ldm4j.config.Config;
import ldm4j.config.ConfigResolver;
import ldm4j.config.SampleConfig;
import ldm4j.data.ClassBinding;
import ldm4j.data.DataSpec;
import ldm4j.data.Splits;
import ldm4j.eval.EvalSettings;
import ldm4j.eval.Evaluator;
import ldm4j.io.CheckpointStore;
import ldm4j.latents.LatentCache;
import ldm4j.latents.LatentSet;
import ldm4j.report.Report;
import ldm4j.sample.SampleGrid;
import ldm4j.sample.SampleRequest;
import ldm4j.torch.Devices;
import ldm4j.torch.Precision;
import ldm4j.torch.Threads;
import ldm4j.train.Budget;
import ldm4j.train.RunDir;
import ldm4j.train.StopSignal;
import ldm4j.unet.UnetCheckpoints;
import ldm4j.unet.UnetTrainer;
import org.bytedeco.pytorch.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j pipeline}: the whole job, train-vae -> encode -> train-unet -> sample (-> eval), resumable. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Run the whole job into one run folder: train-vae, encode, train-unet, sample, and eval when a classifier exists.",
                "A stage whose artifact exists and matches the config is skipped; an interrupted stage resumes from its "
                        + "last checkpoint. The tiny preset (default) finishes on a 2-core CPU; use --preset seed on a GPU."})
public final class PipelineCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "SPEC", description = "Dataset (overrides data.spec): cifar10 (downloaded), cifar10:PATH or folder:PATH. "
            + "Default: the preset's data.spec.")
    String data;

    @Option(names = "--run", paramLabel = "DIR", defaultValue = "runs/pipeline", description = "Run folder. Default: ${DEFAULT-VALUE}.")
    Path run;

    @Option(names = "--classifier", paramLabel = "FILE",
            description = "Evaluation classifier; when it exists the pipeline ends with eval. Default: " + TrainClassifierCommand.DEFAULT_PATH + ".")
    Path classifier = TrainClassifierCommand.DEFAULT_FILE;

    @Option(names = "--eval-per-class", paramLabel = "N", defaultValue = "" + EvalSettings.PER_CLASS,
            description = "Samples per class for the final eval. Default: ${DEFAULT-VALUE}.")
    int evalPerClass;

    @Mixin
    ConfigOptions config;

    @Spec
    CommandSpec spec;

    /** What every stage reads: the config bound to the data's classes, where it runs, and how it stops. */
    private record Job(Config cfg, Device device, RunDir runDir, Splits splits, StopSignal stop, Budget budget,
                       PrintWriter out) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Config cfg = resolveConfig(out);
        if (config.dryRun) {
            out.println(new ConfigResolver().toJson(cfg));
            return 0;
        }
        Device device = announce(cfg, out);
        long t0 = System.nanoTime();
        Job job = open(cfg, device, out);
        Map<String, Double> minutes = new LinkedHashMap<>();
        long t = System.nanoTime();
        if (!trainVae(job)) {
            return interrupted(out, job.stop());
        }
        t = lap(minutes, "train-vae", t);
        VaeCheckpoints.LoadedVae vae = encode(job);
        t = lap(minutes, "encode", t);
        if (!trainUnet(job, vae)) {
            return interrupted(out, job.stop());
        }
        t = lap(minutes, "train-unet", t);
        job.stop().restore(); // sampling and eval have no checkpoint to stop at: Ctrl-C and SIGTERM end them at once
        writeSamples(job);
        t = lap(minutes, "sample", t);
        boolean evaluated = Files.isRegularFile(classifier);
        if (evaluated) {
            evaluate(job);
            lap(minutes, "eval", t);
        }
        minutes.put("total", (System.nanoTime() - t0) / 60e9);
        finish(job, minutes, evaluated);
        return 0;
    }

    /** The command's config, or the run folder's own config.json when it has one and no --config is given. */
    private Config resolveConfig(PrintWriter out) {
        Path saved = run.resolve("config.json");
        if (config.configFile == null && Files.isRegularFile(saved)) {
            config.configFile = saved;
            out.println("continuing " + run + " with its config.json (pass --config to use another)");
        }
        return config.resolveWithData(data);
    }

    /** Sets the threads, resolves the device and prints what runs where, with the expected wall time. */
    private Device announce(Config cfg, PrintWriter out) {
        int threads = Threads.configure(cfg.threads());
        Device device = Devices.resolve(cfg.device());
        out.printf("pipeline: preset %s on %s, data %s, run folder %s%n", cfg.preset(), Devices.describe(device),
                cfg.data().spec(), run);
        out.println(estimate(cfg, device, threads));
        return device;
    }

    /** Creates the run folder, opens the data (whose classes the config takes) and installs Ctrl-C's stop. */
    private Job open(Config cfg, Device device, PrintWriter out) {
        RunDir runDir = RunDir.create(run);
        Splits splits = DataSpec.open(cfg.data(), spec.commandLine().getErr()::println);
        Config bound = config.bindClasses(cfg, splits.classes(), spec.commandLine().getErr()::println);
        StopSignal stop = StopSignal.install(System.err); // Ctrl-C: the training stage in progress stops with a checkpoint
        return new Job(bound, device, runDir, splits, stop, Budget.unlimited().stoppedBy(stop), out);
    }

    /** Stage 1, the VAE-GAN: skipped when vae.safetensors matches the config; false when stopped by a signal. */
    private boolean trainVae(Job job) {
        Path vaeFile = run.resolve("vae.safetensors");
        if (Files.isRegularFile(vaeFile)) {
            Config vaeCfg = VaeCheckpoints.loadVae(vaeFile).config();
            List<String> changed = ArtifactSettings.changed(vaeCfg, job.cfg(), ArtifactSettings.Stage.VAE); // only what makes the VAE
            if (!changed.isEmpty()) {
                throw new LdmException(vaeFile + " was trained with other settings (" + String.join(", ", changed)
                        + "): use a new --run folder, or delete it to retrain");
            }
            job.out().println("[1/4] train-vae: " + vaeFile + " exists and matches the config; skipped");
            return true;
        }
        boolean resume = hasCheckpoint(job.runDir().checkpointsDir("vae"));
        job.out().println("[1/4] train-vae" + (resume ? " (resuming)" : ""));
        return new VaeTrainer(job.cfg(), job.runDir(), job.splits(), job.device(), job.out()).train(job.budget(), resume)
                .finished();
    }

    /** Stage 2, the latent cache: encodes what the cache lacks; returns the VAE on the device. */
    private VaeCheckpoints.LoadedVae encode(Job job) {
        VaeCheckpoints.LoadedVae vae = VaeCheckpoints.loadVae(run.resolve("vae.safetensors"));
        vae.vae().to(job.device(), false);
        job.out().println("[2/4] encode");
        LatentCache.buildForRun(run.resolve("latents"), vae, job.cfg(), job.splits(), job.device(), job.out());
        return vae;
    }

    /** Stage 3, the UNet: skipped when unet.safetensors matches the config and VAE; false when stopped by a signal. */
    private boolean trainUnet(Job job, VaeCheckpoints.LoadedVae vae) {
        if (unetMatches(job, vae)) {
            return true;
        }
        boolean resume = hasCheckpoint(job.runDir().checkpointsDir("unet"));
        job.out().println("[3/4] train-unet" + (resume ? " (resuming)" : ""));
        try (LatentSet train = LatentSet.open(run.resolve("latents"), "train");
             LatentSet test = LatentSet.open(run.resolve("latents"), "test")) {
            return new UnetTrainer(job.cfg(), job.runDir(), job.device(), job.out())
                    .train(train, test, vae.normalizer(), vae.sha256(), job.budget(), resume).finished();
        }
    }

    /** True when unet.safetensors exists and matches; refuses one trained with other settings, classes or VAE. */
    private boolean unetMatches(Job job, VaeCheckpoints.LoadedVae vae) {
        Path unetFile = run.resolve("unet.safetensors");
        if (!Files.isRegularFile(unetFile)) {
            return false;
        }
        Config cfg = job.cfg();
        int latentSize = cfg.data().resolution() / cfg.vae().model().downsampleFactor();
        UnetCheckpoints.LoadedUnet u = UnetCheckpoints.load(unetFile, true, cfg.vae().model().latentChannels(), latentSize);
        ClassBinding.requireSame(unetFile.toString(), ClassBinding.trainedClasses(u.metadata(), unetFile), // data's classes
                cfg.data().spec(), job.splits().classes());
        if (!ArtifactSettings.changed(u.config(), cfg, ArtifactSettings.Stage.UNET).isEmpty()
                || !vae.sha256().equals(u.vaeSha256())) {
            throw new LdmException(unetFile + " was trained with a different unet config or VAE: use a new --run "
                    + "folder, or delete it to retrain");
        }
        job.out().println("[3/4] train-unet: " + unetFile + " exists and matches the config and VAE; skipped");
        return true;
    }

    /** Stage 4: samples.png, one row per class, with the run's sample settings and seed 0. */
    private void writeSamples(Job job) {
        PrintWriter out = job.out();
        out.println("[4/4] sample");
        try (LatentDiffusion ldm = LatentDiffusion.load(run, job.cfg().device(), job.cfg().precision(), null)) {
            SampleRequest request = SampleGrid.everyClass(ldm, 0);
            Path grid = run.resolve("samples.png");
            int perClass = ldm.defaults().perClass();
            out.printf("sampling %d images (%d classes x %d) with %s, %d steps, guidance %.2f, seed 0%n",
                    request.classes().size(), ldm.classes().size(), perClass, request.sampler(), request.steps(), request.cfg());
            SampleGrid.Written w = SampleGrid.write(ldm, request, ldm.classes(), perClass, perClass, grid);
            out.printf("wrote %s in %.1f s%n", grid, w.seconds());
        }
    }

    /** Stage 5, when a classifier exists: eval with the seed's settings, after the preset's faster sampler if it differs. */
    private void evaluate(Job job) {
        PrintWriter out = job.out();
        out.println("[5/5] eval with " + classifier);
        EvalSettings seed = EvalSettings.defaults(evalPerClass);
        SampleConfig preview = job.cfg().sample();
        if (!preview.sampler().equals(seed.sampler()) || preview.steps() != seed.steps()) {
            // the preset's faster sampler first, beside the seed's settings (eval.json ends with the seed's)
            EvalSettings fast = new EvalSettings(evalPerClass, preview.sampler(), preview.steps(), seed.cfg(), seed.seed(),
                    seed.batchSize());
            out.println(EvalCommand.summary(new Evaluator(out).evaluate(run, classifier, fast)));
        }
        out.println(EvalCommand.summary(new Evaluator(out).evaluate(run, classifier, seed)));
    }

    /** Writes the report and prints the wall times, where the samples are, and how to evaluate without a classifier. */
    private void finish(Job job, Map<String, Double> minutes, boolean evaluated) {
        PrintWriter out = job.out();
        Path report = Report.write(run);
        StringBuilder sb = new StringBuilder("pipeline finished; wall time (minutes):");
        minutes.forEach((k, v) -> sb.append(String.format(" %s %.1f", k, v)));
        out.println(sb);
        out.println("report: " + report + (evaluated ? "" : "; samples in " + run.resolve("samples.png") + " (one row per class)"));
        if (!evaluated) {
            out.println("evaluation: no classifier at " + classifier + "; train one (bin/ldm4j train-classifier --data "
                    + job.cfg().data().spec() + ", about 40 min on 2 cores for 50,000 training images, less for fewer), "
                    + "then bin/ldm4j eval --run " + run);
        }
        out.flush();
    }

    /** Records a stage's minutes since {@code start}; returns now, the next stage's start. */
    private static long lap(Map<String, Double> minutes, String stage, long start) {
        long now = System.nanoTime();
        minutes.put(stage, (now - start) / 60e9);
        return now;
    }

    private int interrupted(PrintWriter out, StopSignal stop) {
        out.println("pipeline interrupted; run the same command again to continue where it stopped");
        out.flush();
        return stop.exitCode();
    }

    /** Any checkpoint file, intact or not: the stage resumes from the newest intact one (or says why it cannot). */
    private static boolean hasCheckpoint(Path dir) {
        try {
            return Files.isDirectory(dir) && CheckpointStore.open(dir, 1).hasAny();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A rough wall-time estimate, measured on a 2-core CPU for tiny, and from the write-up for seed. */
    static String estimate(Config cfg, Device device, int threads) {
        boolean cuda = Devices.isCuda(device);
        if (cfg.preset().equals("tiny") && !cuda) {
            boolean bf16 = Precision.resolve(cfg.precision(), device).bf16();
            return (bf16 ? "expected wall time: about 40 minutes on a 2-core CPU with native bf16 (VAE 7, encode 1, UNet 32, "
                    + "samples < 1), plus about 4 minutes of evaluation when a classifier exists; "
                    : "expected wall time: about 70 minutes on a 2-core CPU in fp32 (VAE 11, encode 2, UNet 56, samples < 1; "
                    + "CPUs with native bf16 take about 40), plus evaluation when a classifier exists; ")
                    + "more cores are faster. On an NVIDIA GPU use --device cuda --preset seed for the full recipe.";
        }
        if (cfg.preset().equals("tiny256") && !cuda) {
            return "expected wall time: about 85 minutes on a 2-core AVX2 CPU in fp32 for 10 classes of 1,300 images "
                    + "(measured: VAE 26, encode 9, UNet 48, previews 2; README '256 px'); CPUs with AVX-512 or native bf16 "
                    + "are faster; evaluation adds more when a classifier exists.";
        }
        if (cfg.preset().equals("imagenet256")) {
            return cuda ? "expected wall time: about 77 GPU-hours at 40% of an A100's bf16 rate (about 10 hours on 8 GPUs with "
                    + "launch); README '256 px' has the cost model."
                    : "warning: the imagenet256 preset is sized for GPUs (about 77 A100-hours); on this CPU it would take "
                    + "years. Use --preset tiny256 here, or a GPU build (./mvnw -Pgpu package) with --device cuda.";
        }
        if (cfg.preset().equals("seed") && !cuda) {
            return "warning: the seed preset is sized for a GPU (300 VAE epochs + 750 UNet epochs); on this CPU it would "
                    + "take weeks. Use --preset tiny here, or a GPU build (./mvnw -Pgpu package) with --device cuda.";
        }
        if (cfg.preset().equals("seed")) {
            return "expected wall time: about 2.5 min per VAE epoch and 1.5 min per UNet epoch on one RTX 4070-class GPU "
                    + "(the write-up's figures): about 31 hours in total.";
        }
        return "expected wall time: depends on the config; progress bars show rates and ETAs.";
    }
}
