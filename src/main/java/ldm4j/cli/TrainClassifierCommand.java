package ldm4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import ldm4j.classifier.ClassifierTrainer;
import ldm4j.classifier.ImageTensors;
import ldm4j.config.ClassifierConfig;
import ldm4j.data.DataSpec;
import ldm4j.data.Splits;
import ldm4j.torch.Threads;
import ldm4j.train.MetricsLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j train-classifier}: the judge of {@code eval}, a ResNet-9 trained by ldm4j on 32x32 images. */
@Command(name = "train-classifier", mixinStandardHelpOptions = true,
        description = {"Train the evaluation classifier (ResNet-9 on 32x32 CIFAR-10 with crop and flip augmentation).",
                "Writes FILE (safetensors, test accuracy in its metadata) and FILE's metrics beside it "
                        + "(<name>.metrics.jsonl, one row per epoch)."})
public final class TrainClassifierCommand implements Callable<Integer> {
    /** Where pipeline and eval look for a classifier when none is given. */
    public static final Path DEFAULT_FILE = Path.of("runs", "classifier", "classifier.safetensors");

    @Option(names = "--data", paramLabel = "SPEC", defaultValue = "cifar10",
            description = "Dataset: cifar10, cifar10:PATH or folder:PATH (needs a test split). Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--out", paramLabel = "FILE", description = "Classifier file. Default: runs/classifier/classifier.safetensors.")
    Path out = DEFAULT_FILE;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs (default 24: about 40 minutes on 2 CPU cores).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size (default 128).")
    Integer batch;

    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate (default 0.1, for batch 128; scale it with the batch).")
    Double lr;

    @Option(names = "--widths", paramLabel = "W", split = ",", description = "Four widths: prep,stage1,stage2,stage3 (default 24,48,96,192).")
    List<Integer> widths;

    @Option(names = "--train-limit", paramLabel = "N", description = "Use only N evenly spaced training images (smoke tests).")
    Integer trainLimit;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of initialisation, order and augmentation.")
    long seed;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "libtorch threads; 0 = one per core.")
    int threads;

    @Option(names = "--force", description = "Overwrite an existing FILE.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        if (Files.exists(out) && !force) {
            throw new ldm4j.LdmException(out + " already exists: pass --force to overwrite it, or choose another --out");
        }
        Threads.configure(threads);
        Splits splits = DataSpec.parse(data).open(DataSpec.cacheDir(), spec.commandLine().getErr()::println);
        ClassifierConfig d = ClassifierConfig.cpuDefault();
        int epochCount = epochs != null ? epochs : d.epochs();
        ClassifierConfig c = new ClassifierConfig(widths != null ? widths : d.widths(), splits.classes().size(),
                batch != null ? batch : d.batchSize(), epochCount, lr != null ? lr : d.lr(),
                Math.min(d.warmupEpochs(), epochCount * 0.25), // ~20% warm-up, as Page's 5 of 24
                d.momentum(), d.weightDecay(), d.labelSmoothing(), d.cropPadding(), seed);
        var trainSet = trainLimit == null ? splits.train() : ldm4j.data.Subset.spaced(splits.train(), trainLimit);
        ImageTensors train = ImageTensors.load(trainSet, 32, 2, "decode train");
        ImageTensors test = ImageTensors.load(splits.requireTest(), 32, 2, "decode test");
        Path metrics = metricsFile(out);
        try {
            Files.deleteIfExists(metrics); // a fresh curve for a fresh classifier
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot replace " + metrics + ": " + e.getMessage(), e);
        }
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("data", data);
        provenance.put("train_images", Integer.toString(train.size()));
        try (MetricsLog log = new MetricsLog(metrics)) {
            var r = new ClassifierTrainer(c, pw).train(train, test,
                    splits.classes(), out, log, provenance);
            pw.printf("classifier: test accuracy %.2f%% (6-view test-time augmentation) on %,d test images after %d epochs, %.1f min; wrote %s (curve in %s)%n",
                    100 * r.testAccuracy(), test.size(), c.epochs(), r.seconds() / 60, out, metrics);
        }
        pw.flush();
        return 0;
    }

    static Path metricsFile(Path classifier) {
        String name = classifier.getFileName().toString().replaceFirst("\\.safetensors$", "");
        return classifier.resolveSibling(name + ".metrics.jsonl");
    }
}
