package ldm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import ldm4j.dist.Collective;
import ldm4j.dist.DistEnv;
import ldm4j.dist.Ranks;
import ldm4j.eval.EvalSettings;
import ldm4j.eval.Evaluator;
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

    @Option(names = "--classifier", paramLabel = "FILE", description = "Classifier from train-classifier. Default: runs/classifier/classifier.safetensors.")
    Path classifier = TrainClassifierCommand.DEFAULT_FILE;

    @Option(names = "--per-class", paramLabel = "N", defaultValue = "100", description = "Samples per class. Default: ${DEFAULT-VALUE}.")
    int perClass;

    @Option(names = "--sampler", paramLabel = "NAME", defaultValue = "ddim", completionCandidates = ldm4j.config.SamplerKind.Names.class,
            description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    String sampler;

    @Option(names = "--steps", paramLabel = "K", defaultValue = "50", description = "Sampling steps. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--cfg", paramLabel = "S", defaultValue = "5.0", description = "Guidance scale. Default: ${DEFAULT-VALUE}.")
    double cfg;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "100", description = "Sampling batch size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "libtorch threads; 0 = one per core.")
    int threads;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        EvalSettings s = new EvalSettings(perClass, sampler, steps, cfg, seed, batch);
        RunDir.requireRunPath(run);
        if (!java.nio.file.Files.isDirectory(run)) {
            throw new ldm4j.LdmException(run + " is not a run folder: pass the --run of a pipeline or train-unet run");
        }
        Threads.configure(threads, spec.commandLine().getErr()::println);
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
    static String summary(Map<String, Object> r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-28s %8s %10s %9s %9s%n", "set vs real test", "accuracy", "Frechet", "precision", "recall"));
        Map<String, Object> floors = (Map<String, Object>) r.get("floors");
        line(b, "generated samples", (Map<String, Object>) r.get("samples"));
        line(b, "floor: real train", (Map<String, Object>) floors.get("train_vs_test"));
        line(b, "floor: VAE reconstructions", (Map<String, Object>) floors.get("vae_reconstruction_vs_test"));
        return b.toString().stripTrailing();
    }

    private static void line(StringBuilder b, String name, Map<String, Object> m) {
        b.append(String.format(Locale.ROOT, "%-28s %7.1f%% %10.2f %9.3f %9.3f%n", name, 100 * (double) m.get("class_accuracy"),
                (double) m.get("frechet_distance"), (double) m.get("precision"), (double) m.get("recall")));
    }
}
