package ldm4j.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import ldm4j.classifier.ImageTensors;
import ldm4j.config.DataConfig;
import ldm4j.data.DataSpec;
import ldm4j.data.Splits;
import ldm4j.eval.adm.Activations;
import ldm4j.eval.adm.FidStatistics;
import ldm4j.eval.adm.Float64;
import ldm4j.eval.adm.Pixels;
import ldm4j.eval.inception.InceptionWeights;
import ldm4j.io.HostTensor;
import ldm4j.io.Sha256;
import ldm4j.io.npz.NpzReader;
import ldm4j.io.npz.NpzWriter;
import ldm4j.torch.Tensors;
import ldm4j.train.Progress;
import org.bytedeco.pytorch.Tensor;

/**
 * What Inception figures compare against: an ADM reference batch ({@code .npz} with {@code mu},
 * {@code sigma}, {@code mu_s}, {@code sigma_s} and images {@code arr_0}, e.g.
 * VIRTUAL_imagenet256_labeled.npz; statistics taken from the file when present, as ADM does, and the
 * images' pool activations for precision/recall), or a dataset's training split whose statistics and
 * pool activations are computed once and cached as {@code inception-ref-<key>.npz}.
 */
public record InceptionReference(FidStatistics pool, FidStatistics spatial, Tensor poolActivations, Map<String, Object> describe) {

    public static InceptionReference fromAdmBatch(Path file, InceptionWeights.Loaded inception) {
        try (NpzReader r = NpzReader.open(file)) {
            long n = r.imageBatch("arr_0").shape()[0];
            Activations a;
            try (Progress p = Progress.start("eval: reference activations", n, "img")) {
                a = Activations.of(inception.model(), Activations.of(r, "arr_0"), p::step);
            }
            boolean stored = r.has("mu") && r.has("sigma");
            FidStatistics pool = stored ? stats(r, "mu", "sigma") : FidStatistics.of(a.pool());
            FidStatistics spatial = r.has("mu_s") && r.has("sigma_s") ? stats(r, "mu_s", "sigma_s") : FidStatistics.of(a.spatial());
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("kind", "ADM reference batch");
            d.put("file", file.toString());
            d.put("sha256", Sha256.of(file));
            d.put("images", n);
            d.put("statistics", stored ? "mu, sigma, mu_s, sigma_s from the file" : "computed from arr_0");
            return new InceptionReference(pool, spatial, a.pool(), d);
        }
    }

    private static FidStatistics stats(NpzReader r, String mu, String sigma) {
        long d = r.header(mu).shape()[0];
        return new FidStatistics(Float64.of(r.doubles(mu), d), Float64.of(r.doubles(sigma), r.header(sigma).shape()));
    }

    /** The training split of {@code data} at its resolution, as uint8; cached under {@code cacheDir}. */
    public static InceptionReference fromData(DataConfig data, InceptionWeights.Loaded inception, Path cacheDir,
                                              Consumer<String> notes) {
        String key = Sha256.of((data.spec() + "|" + data.resolution() + "|" + data.interpolation() + "|"
                + inception.sha256()).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        Path cache = cacheDir.resolve("inception-ref-" + key + ".npz");
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", "training split of a dataset, statistics cached");
        d.put("data", data.spec());
        d.put("resolution", data.resolution());
        d.put("cache", cache.toString());
        if (Files.isRegularFile(cache)) {
            try (NpzReader r = NpzReader.open(cache)) {
                Tensor acts = Tensors.fromHost(r.hostTensor("pool"));
                d.put("images", acts.size(0));
                return new InceptionReference(stats(r, "mu", "sigma"), stats(r, "mu_s", "sigma_s"), acts, d);
            }
        }
        Splits splits = DataSpec.open(data, notes);
        ImageTensors train = ImageTensors.load(splits.train(), data.resolution(), data.workers(), "eval: decode reference");
        Activations a;
        try (Progress p = Progress.start("eval: reference activations", train.size(), "img")) {
            a = Activations.of(inception.model(), Activations.of(Pixels.toUint8(train.images())), p::step);
        }
        FidStatistics pool = FidStatistics.of(a.pool());
        FidStatistics spatial = FidStatistics.of(a.spatial());
        Map<String, HostTensor> out = new LinkedHashMap<>();
        out.put("mu", Tensors.toHost(pool.mu()));
        out.put("sigma", Tensors.toHost(pool.sigma()));
        out.put("mu_s", Tensors.toHost(spatial.mu()));
        out.put("sigma_s", Tensors.toHost(spatial.sigma()));
        out.put("pool", Tensors.toHost(a.pool().contiguous()));
        try {
            Files.createDirectories(cacheDir);
            NpzWriter.write(cache, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + cache + ": " + e.getMessage(), e);
        }
        d.put("images", a.count());
        return new InceptionReference(pool, spatial, a.pool(), d);
    }
}
