package ldm4j.eval;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.classifier.ClassifierCheckpoint;
import ldm4j.classifier.ImageTensors;
import ldm4j.classifier.ResNet9;
import ldm4j.config.Config;
import ldm4j.data.DataSpec;
import ldm4j.data.Splits;
import ldm4j.data.Subset;
import ldm4j.distributed.Collective;
import ldm4j.io.AtomicFiles;
import ldm4j.sample.LatentSampler;
import ldm4j.sample.SampleListener;
import ldm4j.sample.SampleRequest;
import ldm4j.sample.ShardedSampling;
import ldm4j.torch.ImageGrid;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Progress;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code eval}: samples {@code perClass} images of every class with a fixed setting, and scores them
 * with the project's own classifier against the real test set (all of it, through the same
 * resolution round trip): class accuracy, Frechet distance in the classifier's penultimate features and
 * in an earlier, less class-specific stage ({@link Judge#STAGE}), k-NN precision and recall (k = 3, against an equally large evenly spaced test subset). The same
 * figures for real training images and for VAE reconstructions of them are the floors a perfect
 * generator (or a perfect UNet on this VAE) would reach at this sample count. Writes
 * {@code <run>/eval.json} and {@code <run>/images/eval-samples.png}. Under several ranks the sampling
 * is split across them and rank 0 does the rest.
 */
public final class Evaluator {
    public static final int K = 3;
    private final PrintWriter out;

    public Evaluator(PrintWriter out) {
        this.out = out;
    }

    public Map<String, Object> evaluate(Path runDir, Path classifierFile, EvalSettings s) {
        return evaluate(runDir, classifierFile, s, Collective.single());
    }

    /**
     * Evaluates with the sampling split across {@code ranks} ({@link ShardedSampling}: the same images as
     * one process); rank 0 then scores them and writes the files alone. Returns null on the other ranks.
     */
    public Map<String, Object> evaluate(Path runDir, Path classifierFile, EvalSettings s, Collective ranks) {
        long t0 = System.nanoTime();
        ClassifierCheckpoint.Loaded clf = ClassifierCheckpoint.load(classifierFile);
        VaeCheckpoints.LoadedVae vae = VaeCheckpoints.loadVae(runDir.resolve("vae.safetensors"));
        Config cfg = vae.config();
        LatentDiffusion ldm = LatentDiffusion.load(runDir, cfg.device(), cfg.precision(), null);
        List<String> classes = ldm.classes();
        if (!classes.equals(clf.classes())) {
            throw new LdmException(classifierFile + " knows classes " + clf.classes() + " but the run " + runDir
                    + " generates " + classes + ": train a classifier on the run's data (bin/ldm4j train-classifier --data "
                    + cfg.data().spec() + ")");
        }
        Splits splits = DataSpec.open(cfg.data(), out::println);
        int r = cfg.data().resolution();
        int n = s.perClass() * classes.size();
        int testSize = splits.requireTest().size(); // checked before sampling: nothing is generated in vain
        if (testSize < n) {
            throw new LdmException("the test split has " + testSize + " images, fewer than the " + n
                    + " samples: lower --per-class to at most " + testSize / classes.size());
        }
        Judge judge = new Judge(clf.model());
        out.printf("eval: %d samples per class (%,d), %s %d steps, CFG %.1f, seed %d, EMA weights; classifier %s "
                        + "(test accuracy %.2f%%)%n", s.perClass(), n, s.sampler(), s.steps(), s.cfg(), s.seed(),
                classifierFile, 100 * clf.testAccuracy());
        out.flush();

        // generated samples, class-major
        long[] sampleLabels = new long[n];
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            labels.addAll(Collections.nCopies(s.perClass(), c));
            Arrays.fill(sampleLabels, c * s.perClass(), (c + 1) * s.perClass(), c);
        }
        long tSample = System.nanoTime();
        LatentSampler.Images images;
        SampleRequest request = new SampleRequest(labels, s.sampler(), s.steps(), s.cfg(), ldm.defaults().eta(),
                ldm.defaults().spacing(), s.seed(), s.batchSize());
        ranks.requireSame("model or eval settings", ShardedSampling.identity(ldm.model().sha256(), request));
        try (Progress p = Progress.start("eval: sampling", ShardedSampling.share(request, ranks), "img")) {
            images = ShardedSampling.generate(ldm.sampler(), request, ranks, SampleListener.batches(p::step));
        }
        double sampleSeconds = (System.nanoTime() - tSample) / 1e9;
        if (ranks.rank() != 0) {
            return null;                                                            // rank 0 scores and writes
        }
        writeGrid(runDir.resolve("images").resolve("eval-samples.png"), images, classes.size(), s.perClass());
        Judged samples = judge.judge(Tensors.fromFloats(images.chw(), n, 3, images.height(), images.width()));

        // real test images (the reference), real training images and their VAE reconstructions (floors)
        ImageTensors test = ImageTensors.load(splits.requireTest(), r, cfg.data().workers(), "eval: decode test");
        Judged real = judge.judge(test.images());
        long[] testLabels = test.labelArray();
        FeatureStatistics realStats = FeatureStatistics.of(real.features());
        FeatureStatistics realStageStats = FeatureStatistics.of(real.stageFeatures());
        Tensor realSubset = real.features().index_select(0, spacedIndex(test.size(), n)); // (n, D) for precision/recall
        Reference ref = new Reference(realStats, realStageStats, realSubset);
        ImageTensors train = ImageTensors.load(Subset.spaced(splits.train(), n), r, cfg.data().workers(), "eval: decode train");
        Judged trainJ = judge.judge(train.images());
        Judged recon = judge.judge(reconstruct(vae, train.images()));

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("run", runDir.toString());
        result.put("classifier", Map.of("file", classifierFile.toString(), "test_accuracy", clf.testAccuracy(),
                "feature_dim", clf.model().featureDim()));
        result.put("settings", settings(s, n, ldm));
        result.put("feature_spaces", featureSpaces(clf.model()));
        result.put("reference", Map.of("set", "test split of " + cfg.data().spec(), "images", test.size(),
                "round_trip", (r == Judge.INPUT ? "none" : "32 -> " + r + " -> 32 (bicubic, antialiased)"),
                "classifier_accuracy", real.accuracy(testLabels),
                "precision_recall_subset", n + " evenly spaced test images (same size as each compared set)"));
        result.put("samples", scores(samples, sampleLabels, ref, classes, s.perClass()));
        Map<String, Object> floors = new LinkedHashMap<>();
        floors.put("train_vs_test", scores(trainJ, train.labelArray(), ref, null, 0));
        floors.put("vae_reconstruction_vs_test", scores(recon, train.labelArray(), ref, null, 0));
        floors.put("note", n + " evenly spaced training images, scored exactly like the samples; a Frechet distance at "
                + "this sample count is biased upwards, so compare with these floors, not with published FIDs");
        result.put("floors", floors);
        RunMetrics metrics = RunMetrics.read(runDir.resolve("metrics.jsonl"));
        result.put("vae", metrics.lastFields("test", "mse", "psnr", "images", "scale"));
        Map<String, Object> unet = new LinkedHashMap<>();
        metrics.last("heldout_ema").ifPresent(e -> unet.put("heldout_v_mse_ema", e.get("mean").asDouble()));
        metrics.last("heldout_raw").ifPresent(e -> unet.put("heldout_v_mse_raw", e.get("mean").asDouble()));
        metrics.last("heldout_ema").ifPresent(e -> unet.put("step", e.get("step").asLong()));
        result.put("unet", unet);
        result.put("seconds", Map.of("sampling", Math.round(sampleSeconds * 10) / 10.0,
                "total", Math.round((System.nanoTime() - t0) / 1e8) / 10.0));
        write(runDir.resolve("eval.json"), result);
        write(runDir.resolve("evals").resolve(name(s) + ".json"), result);    // every setting's figures side by side
        return result;
    }

    /** The file name of an evaluation's settings, e.g. {@code ddim-50steps-cfg5-100perclass-seed0}. */
    static String name(EvalSettings s) {
        String cfg = s.cfg() == Math.rint(s.cfg()) ? Long.toString((long) s.cfg()) : Double.toString(s.cfg());
        return s.sampler() + "-" + s.steps() + "steps-cfg" + cfg + "-" + s.perClass() + "perclass-seed" + s.seed();
    }

    private static Map<String, Object> settings(EvalSettings s, int n, LatentDiffusion ldm) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sampler", s.sampler());
        m.put("steps", s.steps());
        m.put("cfg", s.cfg());
        m.put("eta", ldm.defaults().eta());
        m.put("spacing", ldm.defaults().spacing());
        m.put("seed", s.seed());
        m.put("per_class", s.perClass());
        m.put("samples", n);
        m.put("weights", "ema");
        m.put("numeric_precision", ldm.sampler().precision().label()); // of the sampling (fp32 or bf16); the judge measures in fp32
        m.put("k", K);
        return m;
    }

    /** The real test set's statistics in both feature spaces, and its subset for precision/recall. */
    private record Reference(FeatureStatistics stats, FeatureStatistics stageStats, Tensor subset) {
    }

    /** What each Frechet distance of eval.json measures. */
    static Map<String, Object> featureSpaces(ResNet9 model) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("frechet_distance", "penultimate features: global max-pool of layer3 (" + model.featureDim()
                + " values), trained to separate the classes linearly");
        m.put("frechet_distance_early", (Judge.STAGE == 0 ? "prep" : "layer" + Judge.STAGE) + " output averaged over space ("
                + model.stageDim(Judge.STAGE) + " values), less class-specific");
        m.put("precision_recall", "in the penultimate features");
        return m;
    }

    private static Map<String, Object> scores(Judged j, long[] labels, Reference real, List<String> classes, int perClass) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", j.size());
        m.put("class_accuracy", j.accuracy(labels));
        m.put("frechet_distance", FrechetDistance.between(FeatureStatistics.of(j.features()), real.stats()));
        m.put("frechet_distance_early", FrechetDistance.between(FeatureStatistics.of(j.stageFeatures()), real.stageStats()));
        PrecisionRecall pr = PrecisionRecall.of(real.subset(), j.features(), K);
        m.put("precision", pr.precision());
        m.put("recall", pr.recall());
        if (classes != null) {
            Map<String, Object> per = new LinkedHashMap<>();
            for (int c = 0; c < classes.size(); c++) {
                long hit = 0;
                for (int i = c * perClass; i < (c + 1) * perClass; i++) {
                    hit += j.predictions()[i] == c ? 1 : 0;
                }
                per.put(classes.get(c), (double) hit / perClass);
            }
            m.put("per_class_accuracy", per);
        }
        return m;
    }

    static Tensor spacedIndex(int size, int n) {
        long[] idx = new long[n];
        for (int i = 0; i < n; i++) {
            idx[i] = (long) i * size / n;
        }
        return Tensors.fromLongs(idx, n);
    }

    /** VAE reconstructions (posterior mode, decoded, clamped) of (N, 3, R, R) images, in chunks. */
    static Tensor reconstruct(VaeCheckpoints.LoadedVae vae, Tensor images) {
        TensorVector parts = new TensorVector();
        long n = images.size(0);
        try (InferenceMode mode = new InferenceMode()) {
            for (long from = 0; from < n; from += 100) {
                long b = Math.min(100, n - from);
                try (StepScope scope = StepScope.open()) {
                    Tensor x = images.narrow(0, from, b);
                    Tensor y = vae.vae().decode(vae.vae().encode(x).mode()).clamp(new ScalarOptional(new Scalar(-1.0)),
                            new ScalarOptional(new Scalar(1.0)));                       // (b, 3, R, R)
                    parts.push_back(y); // the vector holds its own reference
                }
            }
        }
        return torch.cat(parts);
    }

    private static void writeGrid(Path file, LatentSampler.Images images, int classes, int perClass) {
        int cols = Math.min(10, perClass);
        int per = 3 * images.height() * images.width();
        float[] chw = new float[classes * cols * per];
        for (int c = 0; c < classes; c++) {
            System.arraycopy(images.chw(), c * perClass * per, chw, c * cols * per, cols * per);
        }
        ImageGrid.writePng(ImageGrid.of(chw, classes * cols, images.height(), images.width(), cols, 2), file);
    }

    static void write(Path file, Map<String, Object> result) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            byte[] json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result)
                    .getBytes(StandardCharsets.UTF_8);
            AtomicFiles.writeBytes(file, json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
