package ldm4j.classifier;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import ldm4j.LdmException;
import ldm4j.config.ClassifierConfig;
import ldm4j.data.DataLoader;
import ldm4j.nn.StateDict;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.MetricsLog;
import ldm4j.train.Progress;
import ldm4j.train.Seeds;
import ldm4j.train.Sgd;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains the evaluation {@link ResNet9} on 32x32 images: SGD with Nesterov momentum, the warm-up /
 * linear-decay schedule of {@link ClassifierConfig#lrAt}, label-smoothed cross-entropy, crop and flip
 * augmentation; test accuracy after every epoch. The training set is held in memory as one tensor.
 */
public final class ClassifierTrainer {
    /** Accuracy and the curve, one row per epoch. */
    public record Result(double testAccuracy, double seconds, List<Map<String, Object>> curve) {
    }

    private final ClassifierConfig config;
    private final PrintWriter out;

    public ClassifierTrainer(ClassifierConfig config, PrintWriter out) {
        this.config = config;
        this.out = out;
    }

    /** Trains from scratch, logs every epoch to {@code log}, and writes the checkpoint to {@code file}. */
    public Result train(ImageTensors train, ImageTensors test, List<String> classes, Path file, MetricsLog log,
                        Map<String, String> provenance) {
        if (classes.size() != config.classes()) {
            throw new LdmException("the data has " + classes.size() + " classes but classifier.classes is "
                    + config.classes() + " (a config built for other data)");
        }
        torch.manual_seed(config.seed());
        ResNet9 model = new ResNet9(config);
        Sgd opt = new Sgd(model, config.momentum(), config.weightDecay(), true);
        int b = config.batchSize();
        int perEpoch = train.size() / b; // drop_last
        if (perEpoch == 0) {
            throw new LdmException("the training set has " + train.size() + " images, fewer than one batch of " + b
                    + ": lower --set batchSize");
        }
        out.printf("classifier: ResNet-9 widths %s, %,d parameters; %,d train / %,d test images; %d epochs of %d steps%n",
                config.widths(), StateDict.parameterCount(model), train.size(), test.size(), config.epochs(), perEpoch);
        List<Map<String, Object>> curve = new java.util.ArrayList<>();
        long start = System.nanoTime();
        double accuracy = Double.NaN;
        try (Progress progress = Progress.start("train-classifier", (long) perEpoch * config.epochs(), "step")) {
            for (int epoch = 0; epoch < config.epochs(); epoch++) {
                model.train(true);
                int[] order = DataLoader.permutation(train.size(), Seeds.derive(config.seed(), Seeds.ORDER, epoch));
                SplittableRandom rng = new SplittableRandom(Seeds.derive(config.seed(), Seeds.AUGMENT, epoch));
                double lossSum = 0;
                long correct = 0;
                long epochStart = System.nanoTime();
                for (int s = 0; s < perEpoch; s++) {
                    double lr = config.lrAt(epoch + (double) s / perEpoch);
                    long[] idx = new long[b];
                    for (int i = 0; i < b; i++) {
                        idx[i] = order[s * b + i];
                    }
                    try (StepScope scope = StepScope.open()) {
                        Tensor index = Tensors.fromLongs(idx, b);
                        Tensor x = Augment.cropAndFlip(train.images(index), config.cropPadding(), rng); // (B, 3, 32, 32)
                        Tensor y = train.labels(index);                                                   // (B,)
                        Tensor logits = model.forward(x);                                                 // (B, classes)
                        Tensor loss = torch.cross_entropy_loss(logits, y, new TensorOptional(), 1, -100,
                                config.labelSmoothing());
                        opt.zeroGrad();
                        loss.backward();
                        opt.step(lr);
                        double l = loss.item_double();
                        if (!Double.isFinite(l)) {
                            throw new LdmException("classifier loss is " + l + " at epoch " + epoch + " step " + s
                                    + ": lower --set lr (now " + config.lr() + ")");
                        }
                        lossSum += l;
                        correct += logits.argmax(new org.bytedeco.pytorch.LongOptional(1), false).eq(y).sum().item_long();
                    }
                    progress.step(1);
                }
                double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
                double plain = accuracy(model, test, false);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("epoch", epoch + 1);
                row.put("train_loss", lossSum / perEpoch);
                row.put("train_accuracy", (double) correct / ((long) perEpoch * b));
                row.put("test_accuracy", plain);
                row.put("images_per_s", (double) perEpoch * b / trainSeconds);
                row.put("elapsed_s", (System.nanoTime() - start) / 1e9);
                curve.add(row);
                log.log("epoch", epoch + 1, row);
                progress.status(String.format("test %.2f%%", 100 * plain));
                out.printf("epoch %d/%d: train loss %.4f, train accuracy %.2f%%, test accuracy %.2f%% (one view), %.0f images/s, %s elapsed%n",
                        epoch + 1, config.epochs(), lossSum / perEpoch, 100.0 * correct / ((long) perEpoch * b),
                        100 * plain, perEpoch * b / trainSeconds,
                        Progress.formatDuration((long) ((System.nanoTime() - start) / 1e9)));
                out.flush();
            }
        }
        accuracy = accuracy(model, test, true);
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("test_accuracy_tta", accuracy);
        last.put("elapsed_s", (System.nanoTime() - start) / 1e9);
        log.log("final", config.epochs(), last);
        out.printf("test accuracy with test-time augmentation (%d views): %.2f%%%n", 2 * (1 + ResNet9.TTA_SHIFTS.length),
                100 * accuracy);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, String> meta = new LinkedHashMap<>(provenance);
        meta.put("test_accuracy", Double.toString(accuracy));
        meta.put("test_images", Integer.toString(test.size()));
        meta.put("train_seconds", String.format("%.1f", seconds));
        model.train(false);
        ClassifierCheckpoint.save(file, model, classes, meta);
        return new Result(accuracy, seconds, curve);
    }

    /**
     * Top-1 accuracy on every image of {@code data}: with {@code tta} that of {@link ResNet9#predict}
     * (the judge's predictions), else of the image alone (the per-epoch curve, 6x cheaper).
     */
    public static double accuracy(ResNet9 model, ImageTensors data, boolean tta) {
        model.train(false);
        long correct = 0;
        int chunk = 128; // the fastest per image on 2 cores with the channels-last layout
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            for (int from = 0; from < data.size(); from += chunk) {
                int n = Math.min(chunk, data.size() - from);
                try (StepScope scope = StepScope.open()) {
                    Tensor x = data.imageRange(from, n);
                    Tensor pred = tta ? model.predict(x)
                            : model.forward(x).argmax(new org.bytedeco.pytorch.LongOptional(1), false);
                    correct += pred.eq(data.labelRange(from, n)).sum().item_long();
                }
            }
        }
        return (double) correct / data.size();
    }
}
