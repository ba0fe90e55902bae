package ldm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import ldm4j.config.SamplerKind;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.distributed.Ranks;
import ldm4j.eval.EvalSettings;
import ldm4j.eval.Evaluator;
import ldm4j.eval.InceptionEvaluator;
import ldm4j.eval.inception.InceptionWeights;
import ldm4j.report.Report;
import ldm4j.torch.Threads;
import ldm4j.train.RunDir;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ldm4j eval}: score a run's samples with the project's classifier; writes eval.json and report.html.
 * Under {@code launch} the sampling is split across ranks and rank 0 scores and writes.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Generate a fixed number of samples per class and score them with ldm4j's own CIFAR-10 classifier: "
                + "class accuracy, Frechet distance and k-NN precision/recall in its features, with floors from real "
                + "training images and VAE reconstructions. Writes <run>/eval.json and <run>/report.html."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--run", paramLabel = "DIR", required = true, description = "Run folder with vae.safetensors and unet.safetensors.")
    Path run;

    @Option(names = "--classifier", paramLabel = "FILE", description = "Classifier from train-classifier. Default: " + TrainClassifierCommand.DEFAULT_PATH + ".")
    Path classifier = TrainClassifierCommand.DEFAULT_FILE;

    @Option(names = "--per-class", paramLabel = "N", defaultValue = "" + EvalSettings.PER_CLASS, description = "Samples per class. Default: ${DEFAULT-VALUE}.")
    int perClass;

    @Option(names = "--sampler", paramLabel = "NAME", defaultValue = EvalSettings.SAMPLER, completionCandidates = SamplerKind.Names.class,
            description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    String sampler;

    @Option(names = "--steps", paramLabel = "K", defaultValue = "" + EvalSettings.STEPS, description = "Sampling steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--cfg", paramLabel = "S", defaultValue = "" + EvalSettings.CFG, description = "Guidance scale. Default: ${DEFAULT-VALUE}.")
    double cfg;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + EvalSettings.SEED, description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + EvalSettings.BATCH_SIZE, description = "Sampling batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "libtorch threads; 0 = one per core.")
    int threads;

    @Option(names = "--features", paramLabel = "classifier|inception", defaultValue = "classifier",
            description = "Feature space: ldm4j's own classifier (default), or the FID Inception-v3 for ADM's FID, sFID, IS and "
                    + "precision/recall (needs --inception and --ref or --ref-data). Default: ${DEFAULT-VALUE}.")
    String features;

    @Option(names = "--inception", paramLabel = "FILE", description = "FID Inception weights converted to .npz or .safetensors "
            + "(see the README).")
    Path inception;

    @Option(names = "--ref", paramLabel = "REF.npz", description = "ADM reference batch (mu, sigma, mu_s, sigma_s, arr_0).")
    Path ref;

    @Option(names = "--ref-data", paramLabel = "SPEC", description = "Dataset whose training split is the reference; its "
            + "statistics are computed once and cached in --ref-cache.")
    String refData;

    @Option(names = "--ref-cache", paramLabel = "DIR", defaultValue = "runs/reference-stats",
            description = "Cache of --ref-data statistics. Default: ${DEFAULT-VALUE}.")
    Path refCache;

    @Option(names = "--samples", paramLabel = "FILE.npz", description = "With --features inception: score this sample batch "
            + "(from sample --npz) instead of sampling.")
    Path samples;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        EvalSettings s = new EvalSettings(perClass, sampler, steps, cfg, seed, batch);
        RunDir.requireRunPath(run);
        if (!Files.isDirectory(run)) {
            throw new ldm4j.LdmException(run + " is not a run folder: pass the --run of a pipeline or train-unet run");
        }
        Threads.configure(threads, spec.commandLine().getErr()::println);
        if (!features.equals("classifier")) {
            return inception(out, s);
        }
        if (inception != null || ref != null || refData != null || samples != null) {
            throw new ldm4j.LdmException("--inception, --ref, --ref-data and --samples belong to --features inception");
        }
        RunDir.create(run); // eval writes eval.json, images/ and report.html: one writer at a time
        Map<String, Object> r;
        try (Collective ranks = Ranks.join(DistEnv.fromEnvironment(), "eval " + s)) {
            r = new Evaluator(out).evaluate(run, classifier, s, ranks);
        }
        if (r == null) {
            return 0;                                                               // not rank 0: its share is sampled
        }
        out.println(summary(r));
        out.println("wrote " + run.resolve("eval.json") + " and " + Report.write(run));
        out.flush();
        return 0;
    }

    @SuppressWarnings("unchecked")
    private int inception(PrintWriter out, EvalSettings s) {
        if (!features.equals("inception")) {
            throw new ldm4j.LdmException("--features '" + features + "' is not one of classifier, inception");
        }
        if (inception == null) {
            throw new ldm4j.LdmException("--features inception needs --inception FILE: get "
                    + InceptionWeights.SOURCE + ", then convert it once: "
                    + InceptionWeights.CONVERT);
        }
        if ((ref == null) == (refData == null)) {
            throw new ldm4j.LdmException("--features inception needs exactly one reference: --ref REF.npz (an ADM reference "
                    + "batch) or --ref-data SPEC (a dataset's training split)");
        }
        if (ref != null && !Files.isRegularFile(ref)) {
            throw new ldm4j.LdmException("--ref " + ref + " does not exist: pass an ADM reference batch .npz");
        }
        if (samples != null && !Files.isRegularFile(samples)) {
            throw new ldm4j.LdmException("--samples " + samples + " does not exist: write one with sample --npz");
        }
        if (!Files.isRegularFile(inception)) {
            InceptionWeights.load(inception);                     // the one-line message on where to get it
        }
        RunDir.create(run);
        Map<String, Object> r;
        try (Collective ranks = Ranks.join(DistEnv.fromEnvironment(), "eval --features inception " + s)) {
            r = new InceptionEvaluator(out).evaluate(run, s,
                    inception, new InceptionEvaluator.ReferenceSource(ref, refData, refCache), samples, ranks);
        }
        if (r == null) {
            return 0;
        }
        Map<String, Object> f = (Map<String, Object>) r.get("figures");
        out.println(String.format(Locale.ROOT, "%-10s %10s %10s %10s %10s %10s%n%-10s %10.3f %10.3f %10.3f %10.4f %10.4f",
                "samples", "FID", "sFID", "IS", "precision", "recall", ((Map<String, Object>) r.get("samples")).get("count"),
                (double) f.get("fid"), (double) f.get("sfid"), (double) f.get("inception_score"), (double) f.get("precision"),
                (double) f.get("recall")));
        out.println("wrote " + run.resolve("eval-inception.json"));
        out.flush();
        return 0;
    }

    @SuppressWarnings("unchecked")
    static String summary(Map<String, Object> r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-28s %8s %10s %10s %9s %9s%n", "set vs real test", "accuracy", "Frechet",
                "FD early", "precision", "recall"));
        Map<String, Object> floors = (Map<String, Object>) r.get("floors");
        line(b, "generated samples", (Map<String, Object>) r.get("samples"));
        line(b, "floor: real train", (Map<String, Object>) floors.get("train_vs_test"));
        line(b, "floor: VAE reconstructions", (Map<String, Object>) floors.get("vae_reconstruction_vs_test"));
        return b.toString().stripTrailing();
    }

    private static void line(StringBuilder b, String name, Map<String, Object> m) {
        b.append(String.format(Locale.ROOT, "%-28s %7.1f%% %10.2f %10.4g %9.3f %9.3f%n", name, 100 * (double) m.get("class_accuracy"),
                (double) m.get("frechet_distance"), (double) m.get("frechet_distance_early"), (double) m.get("precision"),
                (double) m.get("recall")));
    }
}
