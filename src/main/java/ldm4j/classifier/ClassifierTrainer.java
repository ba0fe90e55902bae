package ldm4j.classifier;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LdmException;
import ldm4j.config.ClassifierConfig;
import ldm4j.data.DataLoader;
import ldm4j.distributed.Collective;
import ldm4j.distributed.DistEnv;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.nn.StateDict;
import ldm4j.torch.Precision;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Budget;
import ldm4j.train.Progress;
import ldm4j.train.Seeds;
import ldm4j.train.Sgd;
import ldm4j.train.TrainLog;
import ldm4j.train.Trainable;
import ldm4j.train.TrainingLoop;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains the evaluation {@link ResNet9} on 32x32 images in the shared {@link TrainingLoop}: SGD with
 * Nesterov momentum, the warm-up / linear-decay schedule of {@link ClassifierConfig#lrAt},
 * label-smoothed cross-entropy, crop and flip augmentation; test accuracy after every epoch (the
 * curve), checkpoints every epoch, exact resume. The training set is held in memory as one tensor.
 */
public final class ClassifierTrainer {
    /** Steps between "train" rows of the metrics log. */
    static final int LOG_EVERY = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Where a call to {@link #train} left the classifier.
     *
     * @param testAccuracy the 6-view test accuracy of the finished classifier (NaN when not finished)
     * @param signal       the signal that stopped training, or null
     */
    public record Result(double testAccuracy, double seconds, boolean finished, long step, long totalSteps,
                         Path checkpoint, String signal) {
    }

    /** A classifier file and what lives beside it: {@code <name>.metrics.jsonl}, checkpoints/NAME, tb/NAME. */
    public record Files(Path classifier) {
        String name() {
            return classifier.getFileName().toString().replaceFirst("\\.safetensors$", "");
        }

        public Path metrics() {
            return classifier.resolveSibling(name() + ".metrics.jsonl");
        }

        public Path checkpoints() {
            return classifier.resolveSibling("checkpoints").resolve(name());
        }

        public Path tensorBoard() {
            return classifier.resolveSibling("tb").resolve(name());
        }

        public Path folder() {
            return classifier.toAbsolutePath().getParent();
        }
    }

    private final ClassifierConfig config;
    private final PrintWriter out;
    private final DistEnv env;
    private final Collective collective;
    private final Precision precision; // of the training forward passes; test accuracy is measured in fp32

    /**
     * The trainer of one rank of a data-parallel job: each step it trains on its rows of the global batch
     * (augmented as one process would), averages gradients over the ranks and starts from rank 0's
     * weights; only rank 0 writes. BatchNorm normalises with each rank's own batch statistics (PyTorch
     * DDP's default, no SyncBatchNorm) and every step starts from rank 0's running statistics.
     */
    public ClassifierTrainer(ClassifierConfig config, PrintWriter out, DistEnv env, Collective collective,
                             Precision precision) {
        this.precision = precision;
        this.config = config;
        this.out = out;
        this.env = env;
        this.collective = collective;
    }

    /**
     * Trains (or, with {@code resume}, continues) until the budget is used up or the run is finished;
     * a finished run writes {@code files.classifier()} with its provenance and test accuracy.
     */
    public Result train(ImageTensors train, ImageTensors test, List<String> classes, Files files,
                        Map<String, String> provenance, Budget budget, boolean resume) {
        if (classes.size() != config.classes()) {
            throw new LdmException("the data has " + classes.size() + " classes but classifier.classes is "
                    + config.classes() + " (a config built for other data)");
        }
        int b = config.batchSize();
        int perEpoch = train.size() / b; // drop_last
        if (perEpoch == 0) {
            throw new LdmException("the training set has " + train.size() + " images, fewer than one batch of " + b
                    + ": lower --batch");
        }
        long total = (long) perEpoch * config.epochs();
        long start = System.nanoTime();
        boolean main = collective.rank() == 0;
        env.slice(b); // a batch the ranks cannot share is refused before anything trains
        try (TrainLog log = main ? new TrainLog(files.metrics(), files.tensorBoard(), files.folder())
                : TrainLog.discarding()) {
            Training t = new Training(train, test, perEpoch, log, start);
            TrainingLoop loop = new TrainingLoop(new TrainingLoop.Plan("train-classifier", total, b, LOG_EVERY, perEpoch,
                    perEpoch, "--lr", List.of("loss"), ClassifierCheckpoint.KIND + "-train"), files.checkpoints(), 2, log, out, collective);
            long step = loop.start(t, resume, files.folder());
            out.printf("classifier: ResNet-9 widths %s, %,d parameters; %,d train / %,d test images; %d epochs of %d steps%n",
                    config.widths(), StateDict.parameterCount(t.model), train.size(), test.size(), config.epochs(), perEpoch);
            TrainingLoop.Outcome o = loop.run(t, step, budget);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (!o.finished()) {
                return new Result(Double.NaN, seconds, false, o.step(), total, o.checkpoint(), o.signal());
            }
            double accuracy = accuracy(t.model, test, true);
            if (!main) {
                return new Result(accuracy, (System.nanoTime() - start) / 1e9, true, o.step(), total, o.checkpoint(), null);
            }
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("test_accuracy_tta", accuracy);
            last.put("elapsed_s", (System.nanoTime() - start) / 1e9);
            log.scalars("final", o.step(), last);
            out.printf("test accuracy with test-time augmentation (%d views): %.2f%%%n", 2 * (1 + ResNet9.TTA_SHIFTS.length),
                    100 * accuracy);
            seconds = (System.nanoTime() - start) / 1e9;
            Map<String, String> meta = new LinkedHashMap<>(provenance);
            meta.put("test_accuracy", Double.toString(accuracy));
            meta.put("test_images", Integer.toString(test.size()));
            meta.put("train_seconds", String.format("%.1f", seconds));
            t.model.train(false);
            ClassifierCheckpoint.save(files.classifier(), t.model, classes, meta);
            return new Result(accuracy, seconds, true, o.step(), total, o.checkpoint(), null);
        }
    }

    /** The classifier as the training loop sees it: network, optimiser, the step, the epoch curve. */
    private final class Training implements Trainable {
        final ResNet9 model;
        final Sgd opt;
        final List<Tensor> runningStatistics; // BatchNorm's running mean and variance
        final ImageTensors train;
        final ImageTensors test;
        final int perEpoch;
        final TrainLog log;
        final long start;
        int[] order;              // the current epoch's permutation
        long orderEpoch = -1;
        double lossSum;           // over the current epoch's steps so far (checkpointed)
        long correct;
        long epochStart = System.nanoTime();

        Training(ImageTensors train, ImageTensors test, int perEpoch, TrainLog log, long start) {
            this.train = train;
            this.test = test;
            this.perEpoch = perEpoch;
            this.log = log;
            this.start = start;
            torch.manual_seed(config.seed()); // the initial weights
            model = new ResNet9(config);
            opt = new Sgd(model, config.momentum(), config.weightDecay(), true);
            collective.broadcastParameters(StateDict.tensors(model).values());
            Map<String, Tensor> parameters = StateDict.parameters(model);
            runningStatistics = StateDict.tensors(model).entrySet().stream()
                    .filter(e -> !parameters.containsKey(e.getKey()) && e.getValue().is_floating_point())
                    .map(Map.Entry::getValue).toList();
        }

        @Override
        public Map<String, Double> step(long step) {
            int b = config.batchSize();
            long epoch = step / perEpoch;
            int s = (int) (step % perEpoch);
            if (s == 0) {
                lossSum = 0;
                correct = 0;
                epochStart = System.nanoTime();
            }
            Tensor index = Tensors.fromLongs(batchIndices(epoch, s), b);
            SplittableRandom rng = new SplittableRandom(Seeds.derive(config.seed(), Seeds.AUGMENT, step));
            Tensor x = Augment.cropAndFlip(train.images(index), config.cropPadding(), rng);   // (B, 3, 32, 32)
            Tensor y = train.labels(index);                                                     // (B,)
            DistEnv.Slice rows = env.slice(b);                                                  // this rank's rows
            x = x.narrow(0, rows.from(), rows.size());
            y = y.narrow(0, rows.from(), rows.size());
            double lr = config.lrAt(epoch + (double) s / perEpoch);
            collective.broadcastParameters(runningStatistics); // BatchNorm's, from rank 0 (as DDP broadcasts buffers)

            model.train(true);
            Tensor xs = x;
            Tensor logits = Precision.toFp32(precision.autocast(() -> model.forward(xs))); // (B, classes)
            Tensor loss = torch.cross_entropy_loss(logits, y, new TensorOptional(), 1, -100, config.labelSmoothing());
            opt.zeroGrad();
            loss.backward();
            collective.averageGradients(opt.parameters());
            opt.step(lr);

            double l = collective.average(loss.item_double());
            lossSum += l;
            correct += Math.round(collective.average(logits.argmax(new LongOptional(1), false).eq(y).sum().item_long())
                    * collective.worldSize());
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("loss", l);
            m.put("lr", lr);
            m.put("epoch", (double) epoch);
            return m;
        }

        private long[] batchIndices(long epoch, int s) {
            if (epoch != orderEpoch) {
                order = DataLoader.permutation(train.size(), Seeds.derive(config.seed(), Seeds.ORDER, epoch));
                orderEpoch = epoch;
            }
            int b = config.batchSize();
            long[] idx = new long[b];
            for (int i = 0; i < b; i++) {
                idx[i] = order[s * b + i];
            }
            return idx;
        }

        /** After every epoch: one curve row (train loss and accuracy, single-view test accuracy). */
        @Override
        public void evaluate(long step) {
            int b = config.batchSize();
            long epoch = step / perEpoch; // epochs finished
            double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
            double plain = accuracy(model, test, false);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch", epoch);
            row.put("train_loss", lossSum / perEpoch);
            row.put("train_accuracy", (double) correct / ((long) perEpoch * b));
            row.put("test_accuracy", plain);
            row.put("images_per_s", (double) perEpoch * b / trainSeconds);
            row.put("elapsed_s", (System.nanoTime() - start) / 1e9);
            log.scalars("epoch", step, row);
            out.printf("epoch %d/%d: train loss %.4f, train accuracy %.2f%%, test accuracy %.2f%% (one view), %.0f images/s, %s elapsed%n",
                    epoch, config.epochs(), lossSum / perEpoch, 100.0 * correct / ((long) perEpoch * b), 100 * plain,
                    perEpoch * b / trainSeconds, Progress.formatDuration((long) ((System.nanoTime() - start) / 1e9)));
            out.flush();
        }

        @Override
        public Map<String, HostTensor> state() {
            Map<String, HostTensor> t = new LinkedHashMap<>(StateDict.toHost(model, "model."));
            t.putAll(opt.state("opt."));
            t.put("epoch.loss_sum", HostTensor.ofLongs(new long[]{Double.doubleToRawLongBits(lossSum)}, 1)); // exact
            t.put("epoch.correct", HostTensor.ofLongs(new long[]{correct}, 1));
            return t;
        }

        @Override
        public Map<String, String> metadata(long step) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("format", "ldm4j");
            m.put("kind", ClassifierCheckpoint.KIND + "-train");
            m.put("config", json(config));
            return m;
        }

        @Override
        public void restore(Map<String, HostTensor> all, Map<String, String> meta, Path file) {
            if (!(ClassifierCheckpoint.KIND + "-train").equals(meta.get("kind"))) {
                throw new FormatException(file, "is not a classifier training checkpoint (kind '" + meta.get("kind") + "')");
            }
            String saved = meta.get("config");
            if (!json(config).equals(saved)) {
                throw new LdmException(file + " was trained with other settings (checkpoint: " + saved + "; now: "
                        + json(config) + "): resume with the same --epochs/--batch/--lr/--widths/--seed, or pass --force to start over");
            }
            Map<String, HostTensor> weights = new LinkedHashMap<>(all);
            HostTensor loss = weights.get("epoch.loss_sum");
            HostTensor hits = weights.get("epoch.correct");
            if (loss == null || hits == null) {
                throw new FormatException(file, "has no epoch accumulators (not a classifier training checkpoint)");
            }
            StateDict.load(model, all, "model.", file);
            opt.load(all, "opt.", file);
            lossSum = Double.longBitsToDouble(loss.data().getLong(0));
            correct = hits.data().getLong(0);
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Top-1 accuracy on every image of {@code data}: with {@code tta} that of {@link ResNet9#predict}
     * (the judge's predictions), else of the image alone (the per-epoch curve, 6x cheaper).
     */
    public static double accuracy(ResNet9 model, ImageTensors data, boolean tta) {
        model.train(false);
        long correct = 0;
        int chunk = 128; // the fastest per image on 2 cores with the channels-last layout
        try (NoGradGuard g = new NoGradGuard()) {
            for (int from = 0; from < data.size(); from += chunk) {
                int n = Math.min(chunk, data.size() - from);
                try (StepScope scope = StepScope.open()) {
                    Tensor x = data.imageRange(from, n);
                    Tensor pred = tta ? model.predict(x) : model.forward(x).argmax(new LongOptional(1), false);
                    correct += pred.eq(data.labelRange(from, n)).sum().item_long();
                }
            }
        }
        return (double) correct / data.size();
    }
}
