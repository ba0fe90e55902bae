package ldm4j.eval;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.config.Config;
import ldm4j.config.DataConfig;
import ldm4j.distributed.Collective;
import ldm4j.eval.adm.Activations;
import ldm4j.eval.adm.FidStatistics;
import ldm4j.eval.adm.InceptionScore;
import ldm4j.eval.adm.ManifoldEstimator;
import ldm4j.eval.adm.Pixels;
import ldm4j.eval.inception.InceptionWeights;
import ldm4j.io.Sha256;
import ldm4j.io.npz.NpzReader;
import ldm4j.sample.LatentSampler;
import ldm4j.sample.SampleListener;
import ldm4j.sample.SampleRequest;
import ldm4j.sample.ShardedSampling;
import ldm4j.torch.Tensors;
import ldm4j.train.Progress;

/**
 * {@code eval --features inception}: ADM's figures (FID, sFID, Inception Score over splits of 5,000,
 * k = 3 precision/recall) in the FID Inception-v3's features, for a run's samples (generated like
 * {@link Evaluator}'s, or an existing {@code sample --npz} batch) against an {@link InceptionReference}.
 * Writes {@code <run>/eval-inception.json} naming the extractor, its weights' SHA-256, the reference
 * and the sample count, so two reports are comparable or visibly not.
 */
public final class InceptionEvaluator {
    public static final String EXTRACTOR = "FID Inception-v3 (TF 2015-12-05 weights as ported by pytorch-fid/torch-fidelity; "
            + "uint8 -> TF1 bilinear resize to 299 -> (x - 128) / 128)";
    private final PrintWriter out;

    public InceptionEvaluator(PrintWriter out) {
        this.out = out;
    }

    /** Where the reference comes from: exactly one of an ADM batch file or a dataset spec (cached under {@code cacheDir}). */
    public record ReferenceSource(Path admBatch, String dataSpec, Path cacheDir) {
    }

    public Map<String, Object> evaluate(Path runDir, EvalSettings s, Path inceptionFile, ReferenceSource ref, Path samplesNpz,
                                        Collective ranks) {
        long t0 = System.nanoTime();
        InceptionWeights.Loaded inception = ranks.rank() == 0 ? InceptionWeights.load(inceptionFile) : null;
        VaeCheckpoints.LoadedVae vae = VaeCheckpoints.loadVae(runDir.resolve("vae.safetensors"));
        Config cfg = vae.config();
        Activations samples;
        Map<String, Object> sampleInfo = new LinkedHashMap<>();
        if (samplesNpz != null) {
            if (ranks.worldSize() > 1) {
                throw new LdmException("--samples scores an existing batch: start it without launch");
            }
            try (NpzReader r = NpzReader.open(samplesNpz)) {
                long n = r.imageBatch("arr_0").shape()[0];
                try (Progress p = Progress.start("eval: sample activations", n, "img")) {
                    samples = Activations.of(inception.model(), Activations.of(r, "arr_0"), p::step);
                }
            }
            sampleInfo.put("file", samplesNpz.toString());
            sampleInfo.put("sha256", Sha256.of(samplesNpz));
            sampleInfo.put("settings", "see " + samplesNpz.getFileName() + ".json");
        } else {
            LatentDiffusion ldm = LatentDiffusion.load(runDir, cfg.device(), cfg.precision(), null);
            List<Integer> labels = new ArrayList<>();
            for (int c = 0; c < ldm.classes().size(); c++) {
                labels.addAll(Collections.nCopies(s.perClass(), c));
            }
            SampleRequest request = new SampleRequest(labels, s.sampler(), s.steps(), s.cfg(), ldm.defaults().eta(),
                    ldm.defaults().spacing(), s.seed(), s.batchSize());
            ranks.requireSame("model or eval settings", ShardedSampling.identity(ldm.model().sha256(), request));
            LatentSampler.Images images;
            try (Progress p = Progress.start("eval: sampling", ShardedSampling.share(request, ranks), "img")) {
                images = ShardedSampling.generate(ldm.sampler(), request, ranks, SampleListener.batches(p::step));
            }
            if (ranks.rank() != 0) {
                return null;
            }
            var uint8 = Pixels.toUint8(Tensors.fromFloats(images.chw(), images.count(), 3, images.height(), images.width()));
            try (Progress p = Progress.start("eval: sample activations", images.count(), "img")) {
                samples = Activations.of(inception.model(), Activations.of(uint8), p::step);
            }
            sampleInfo.put("sampler", s.sampler());
            sampleInfo.put("steps", s.steps());
            sampleInfo.put("cfg", s.cfg());
            sampleInfo.put("seed", s.seed());
            sampleInfo.put("per_class", s.perClass());
            sampleInfo.put("weights", "ema");
            sampleInfo.put("numeric_precision", ldm.sampler().precision().label());
        }
        InceptionReference reference = ref.admBatch() != null ? InceptionReference.fromAdmBatch(ref.admBatch(), inception)
                : InceptionReference.fromData(new DataConfig(ref.dataSpec(), cfg.data().resolution(), cfg.data().interpolation(),
                false, cfg.data().workers(), cfg.data().prefetch()), inception, ref.cacheDir(), out::println);

        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("fid", FidStatistics.of(samples.pool()).frechetDistance(reference.pool()));
        figures.put("sfid", FidStatistics.of(samples.spatial()).frechetDistance(reference.spatial()));
        figures.put("inception_score", InceptionScore.of(samples.logits()));
        ManifoldEstimator.Result pr = new ManifoldEstimator().precisionRecall(reference.poolActivations(), samples.pool());
        figures.put("precision", pr.precision());
        figures.put("recall", pr.recall());

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("run", runDir.toString());
        result.put("feature_extractor", Map.of("name", EXTRACTOR, "weights", inception.file().toString(),
                "weights_sha256", inception.sha256()));
        result.put("definitions", "ADM's evaluator (guided-diffusion evaluations/evaluator.py): FID/sFID with its "
                + "frechet_distance, IS over splits of " + InceptionScore.SPLIT_SIZE + ", precision/recall k = "
                + ManifoldEstimator.K + " (distances in float64)");
        result.put("samples", Map.of("count", samples.count(), "source", sampleInfo));
        result.put("reference", reference.describe());
        result.put("figures", figures);
        result.put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
        Evaluator.write(runDir.resolve("eval-inception.json"), result);
        if (samplesNpz == null) {
            Evaluator.write(runDir.resolve("evals").resolve(Evaluator.name(s) + "-inception.json"), result);
        }
        return result;
    }
}
