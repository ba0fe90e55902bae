package ldm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import ldm4j.classifier.ClassifierTrainer;
import ldm4j.classifier.ImageTensors;
import ldm4j.config.ClassifierConfig;
import ldm4j.data.DataSpec;
import ldm4j.data.Splits;
import ldm4j.data.Subset;
import ldm4j.torch.Precision;
import ldm4j.torch.Threads;
import ldm4j.train.Budget;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.distributed.Ranks;
import ldm4j.train.StopSignal;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;

/** {@code ldm4j train-classifier}: the judge of {@code eval}, a ResNet-9 trained by ldm4j on 32x32 images. */
@Command(name = "train-classifier", mixinStandardHelpOptions = true, defaultValueProvider = TrainClassifierCommand.Defaults.class,
        description = {"Train the evaluation classifier (ResNet-9 on 32x32 CIFAR-10 with crop and flip augmentation).",
                "Writes FILE (safetensors, test accuracy in its metadata) and FILE's metrics beside it "
                        + "(<name>.metrics.jsonl, one row per epoch); checkpoints every epoch under checkpoints/<name>/ "
                        + "beside FILE, continued with --resume."})
public final class TrainClassifierCommand implements Callable<Integer> {
    /** Where pipeline and eval look for a classifier when none is given. */
    public static final String DEFAULT_PATH = "runs/classifier/classifier.safetensors";
    public static final Path DEFAULT_FILE = Path.of(DEFAULT_PATH);

    /** The defaults of --epochs, --batch, --lr and --widths: the CPU classifier config's, one source for --help and training. */
    static final class Defaults implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec arg) {
            if (!(arg instanceof OptionSpec option)) {
                return null;
            }
            ClassifierConfig d = ClassifierConfig.cpuDefault();
            return switch (option.longestName()) {
                case "--epochs" -> Integer.toString(d.epochs());
                case "--batch" -> Integer.toString(d.batchSize());
                case "--lr" -> Double.toString(d.lr());
                case "--widths" -> d.widths().stream().map(String::valueOf).collect(Collectors.joining(","));
                default -> null;                                        // the option's own defaultValue
            };
        }
    }

    @Option(names = "--data", paramLabel = "SPEC", defaultValue = "cifar10",
            description = "Dataset: cifar10, cifar10:PATH or folder:PATH (needs a test split). Default: ${DEFAULT-VALUE}.")
    String data;

    @Option(names = "--out", paramLabel = "FILE", description = "Classifier file. Default: " + DEFAULT_PATH + ".")
    Path out = DEFAULT_FILE;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs. Default: ${DEFAULT-VALUE} (about 40 minutes on 2 CPU cores).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size. Default: ${DEFAULT-VALUE}.")
    Integer batch;

    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate, for the default batch size; scale it with the batch. "
            + "Default: ${DEFAULT-VALUE}.")
    Double lr;

    @Option(names = "--widths", paramLabel = "W", split = ",", description = "Four widths: prep,stage1,stage2,stage3. "
            + "Default: ${DEFAULT-VALUE}.")
    List<Integer> widths;

    @Option(names = "--train-limit", paramLabel = "N", description = "Use only N evenly spaced training images (smoke tests).")
    Integer trainLimit;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of initialisation, order and augmentation.")
    long seed;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "libtorch threads; 0 = one per core.")
    int threads;

    @Option(names = "--precision", paramLabel = "auto|fp32|bf16", defaultValue = "auto", description = "Arithmetic of the "
            + "training forward passes: bf16 autocast, fp32, or auto (bf16 on CPUs with native bf16). Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(names = "--force", description = "Overwrite an existing FILE and start over (its checkpoints and curve are removed).")
    boolean force;

    @Mixin
    BudgetOptions budgetOptions; // --resume continues from the newest checkpoint beside FILE (checkpoints/<name>/)

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter pw = spec.commandLine().getOut();
        ClassifierTrainer.Files files = new ClassifierTrainer.Files(out);
        if (Files.exists(out) && !force) {
            throw new ldm4j.LdmException(out + " already exists: pass --force to overwrite it, or choose another --out");
        }
        if (!budgetOptions.resume() && !force && Files.exists(files.checkpoints().resolve("last.safetensors"))) {
            throw new ldm4j.LdmException(files.checkpoints() + " holds an unfinished training of " + out
                    + ": pass --resume to continue it, or --force to start over");
        }
        boolean resume = budgetOptions.resume();
        Budget budget = budgetOptions.budget();
        Threads.configure(threads);
        Splits splits = DataSpec.parse(data).open(DataSpec.cacheDir(), spec.commandLine().getErr()::println);
        ClassifierConfig d = ClassifierConfig.cpuDefault();
        int epochCount = epochs != null ? epochs : d.epochs();
        ClassifierConfig c = new ClassifierConfig(widths != null ? widths : d.widths(), splits.classes().size(),
                batch != null ? batch : d.batchSize(), epochCount, lr != null ? lr : d.lr(),
                Math.min(d.warmupEpochs(), epochCount * 0.25), // ~20% warm-up, as Page's 5 of 24
                d.momentum(), d.weightDecay(), d.labelSmoothing(), d.cropPadding(), seed);
        var trainSet = trainLimit == null ? splits.train() : Subset.spaced(splits.train(), trainLimit);
        ImageTensors train = ImageTensors.load(trainSet, 32, 2, "decode train");
        ImageTensors test = ImageTensors.load(splits.requireTest(), 32, 2, "decode test");
        if (!resume && DistEnv.fromEnvironment().rank() == 0) {
            startOver(files);
        }
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("data", data);
        provenance.put("train_images", Integer.toString(train.size()));
        StopSignal stop = StopSignal.install(System.err);
        DistEnv env = DistEnv.fromEnvironment();
        ClassifierTrainer.Result r;
        try (Collective ranks = Ranks.join(env, c + " " + data + " " + trainLimit)) {
            Precision p = Precision.resolve(precision,
                    new Device(DeviceType.CPU));
            pw.println("train-classifier: " + p.describe());
            provenance.put("precision", p.label());
            r = new ClassifierTrainer(c, pw, env, ranks, p).train(train, test, splits.classes(), files, provenance,
                    budget.stoppedBy(stop), resume);
        }
        if (env.rank() != 0) {
            return stop.exitCode();
        }
        if (r.finished()) {
            pw.printf("classifier: test accuracy %.2f%% (6-view test-time augmentation) on %,d test images after %d epochs, %.1f min; wrote %s (curve in %s)%n",
                    100 * r.testAccuracy(), test.size(), c.epochs(), r.seconds() / 60, out, files.metrics());
        }
        pw.flush();
        return stop.exitCode();
    }

    /** A fresh classifier: a fresh curve, and with --force no old checkpoints (else the loop refuses them). */
    private void startOver(ClassifierTrainer.Files files) {
        try {
            Files.deleteIfExists(files.metrics());
            if (force) {
                Files.deleteIfExists(out);
                deleteTree(files.checkpoints());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace " + files.metrics() + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
