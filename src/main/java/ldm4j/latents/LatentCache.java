package ldm4j.latents;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LdmException;
import ldm4j.autoencoder.Autoencoder;
import ldm4j.autoencoder.VaeCheckpoints;
import ldm4j.config.Config;
import ldm4j.data.ImageDataset;
import ldm4j.data.Splits;
import ldm4j.distributed.Collective;
import ldm4j.data.Transform;
import ldm4j.io.AtomicFiles;
import ldm4j.io.DType;
import ldm4j.io.FormatException;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.io.Sha256;
import ldm4j.torch.Precision;
import ldm4j.torch.Tensors;
import ldm4j.train.Progress;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

/**
 * The latent cache: posterior moments (mean, logvar) of the frozen VAE for every image of a split
 * and for its horizontal flip, so that training can draw a fresh posterior sample and a random flip
 * at every step (a cache of one sample and one flip freezes both; REPA #19).
 *
 * <p>Layout under {@code <run>/latents/}: {@code <split>-NNNN.safetensors} shards holding
 * {@code mean} and {@code logvar} of shape (N, 2, C, h, w) (index 1 of dim 1 = flipped) and
 * {@code labels} (N,), then {@code manifest.json}, written last, which makes the cache valid.
 */
public final class LatentCache {
    private LatentCache() {
    }

    /** What a cache was built from; a cache is reused only when all of it matches. */
    public record Key(String vaeSha256, String dataSpec, int resolution, String interpolation, String dtype) {
    }

    /** The manifest: key, counts per split, shard names, and each shard's size, SHA-256 and image count. */
    public record Manifest(Key key, List<String> classes, Map<String, Integer> counts, Map<String, List<String>> shards,
                           int channels, int height, int width, Map<String, ShardInfo> files) {
    }

    /** One shard as written: its size in bytes, SHA-256 (hex) and number of images. */
    public record ShardInfo(long bytes, String sha256, int count) {
    }

    /** The element type of a cache's moments. */
    static DType dtype(Key key) {
        return "bf16".equals(key.dtype()) ? DType.BF16 : DType.F32;
    }

    /**
     * The manifest of a complete, undamaged cache (quick check: shard sizes, headers, shapes, labels).
     *
     * @throws LdmException if there is no cache, or a FormatException naming the damaged file and
     *         telling to rebuild the cache with {@code encode}
     */
    public static Manifest open(Path dir) {
        Manifest m = readManifest(dir);
        if (m == null) {
            throw new LdmException(dir + " holds no complete latent cache (no manifest.json): run 'bin/ldm4j encode --run "
                    + runOf(dir) + "' first");
        }
        CacheCheck.check(dir, m, false).ifPresent(d -> {
            throw new FormatException(d.file(), d.problem() + "; the latent cache is damaged: run 'bin/ldm4j encode --run "
                    + runOf(dir) + "' to rebuild it");
        });
        return m;
    }

    /** The run folder of a cache at {@code <run>/latents}, for messages. */
    private static Path runOf(Path dir) {
        return dir.getParent() != null ? dir.getParent() : dir.toAbsolutePath().getParent();
    }

    public static Path manifestFile(Path dir) {
        return dir.resolve("manifest.json");
    }

    /** The manifest if the cache is complete, else null. Throws a FormatException if it is unreadable. */
    public static Manifest readManifest(Path dir) {
        Path f = manifestFile(dir);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return new ObjectMapper().readValue(f.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new FormatException(f, "is not a valid latent cache manifest (" + String.valueOf(e.getMessage()).lines()
                    .findFirst().orElse("") + "): run 'bin/ldm4j encode --run " + runOf(dir) + "' to rebuild the cache");
        }
    }

    /** Encodes the given splits in this process alone (see the data-parallel overload). */
    public static Manifest build(Path dir, Key key, Map<String, ImageDataset> splits, Autoencoder vae, Transform transform,
                                 Device device, int batchSize, int shardSize, int workers, PrintWriter out) {
        return build(dir, key, splits, vae, transform, device, Precision.fp32(device), batchSize, shardSize,
                workers, out, Collective.single());
    }

    /**
     * Encodes the given splits unless a valid cache with the same key exists. Returns the manifest.
     * Under several ranks, rank 0 decides whether to rebuild and clears the folder; then every rank
     * encodes and writes its own shards ({@link ShardPlan}: the shard files are the same bytes as one
     * process's), and after a barrier rank 0 checksums them and writes the manifest. Shards travel
     * through the shared run folder rather than over the process group: no rank holds more than one
     * shard in memory, and the manifest (written last, atomically) is what makes the cache valid, so a
     * lost rank leaves no cache that looks complete.
     *
     * @param splits split name to dataset, e.g. {"train": ..., "test": ...}
     */
    public static Manifest build(Path dir, Key key, Map<String, ImageDataset> splits, Autoencoder vae, Transform transform,
                                 Device device, Precision precision, int batchSize, int shardSize, int workers,
                                 PrintWriter out, Collective ranks) {
        Manifest existing = ranks.rank() == 0 ? reusable(dir, key, splits, out) : null;
        Tensor reuse = Tensors.fromFloats(new float[]{existing != null ? 1 : 0}, 1);
        ranks.broadcastInPlace(List.of(reuse));                                     // also: rank 0 has cleared the folder
        if (reuse.item_float() != 0) {
            return existing != null ? existing : readManifest(dir);
        }
        Map<String, Integer> sizes = new LinkedHashMap<>();
        splits.forEach((name, ds) -> sizes.put(name, ds.size()));
        ShardPlan plan = ShardPlan.of(sizes, shardSize);
        List<ShardPlan.Shard> mine = plan.of(ranks.rank(), ranks.worldSize());
        int images = mine.stream().mapToInt(ShardPlan.Shard::count).sum();
        int total = sizes.values().stream().mapToInt(Integer::intValue).sum();
        vae.train(false);
        ShardEncoder encoder = new ShardEncoder(vae, transform, device, precision, batchSize, workers, dtype(key));
        long start = System.nanoTime();
        try (Progress progress = Progress.start("encode", images, "img")) {
            for (ShardPlan.Shard shard : mine) {
                encoder.encode(shard, splits.get(shard.split()), dir, progress);
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        out.printf("encoded %,d of %,d images %s(x2 with flips) in %.1f s = %,.0f images/s%n", images, total,
                ranks.worldSize() > 1 ? "on rank " + ranks.rank() + " of " + ranks.worldSize() + " " : "", secs, images / secs);
        ranks.barrier("waiting for the other ranks to write their latent shards");
        if (ranks.rank() == 0) {
            writeManifest(dir, new Manifest(key, splits.values().iterator().next().classes(), sizes, plan.names(),
                    0, 0, 0, null), plan);
            out.printf("latent cache: %s, %.1f MB%n", dir, sizeBytes(dir) / 1e6);
        }
        ranks.barrier("waiting for rank 0 to write the latent cache's manifest");
        return readManifest(dir);
    }

    /** The existing cache if it can be reused as it is; else null, after clearing the folder (with a message why). */
    private static Manifest reusable(Path dir, Key key, Map<String, ImageDataset> splits, PrintWriter out) {
        Manifest existing;
        try {
            existing = readManifest(dir);
        } catch (FormatException e) {
            out.println("latent cache " + dir + " is damaged (" + e.getMessage() + "); rebuilding it");
            existing = null;
        }
        if (existing != null) {
            List<String> classes = splits.values().iterator().next().classes();
            if (key.equals(existing.key()) && !existing.classes().equals(classes)) {
                out.println("latent cache " + dir + " holds classes " + existing.classes() + " but the data has " + classes
                        + ": rebuilding it");
            } else if (key.equals(existing.key())) {
                Optional<CacheCheck.Damage> damage = CacheCheck.check(dir, existing, true);
                for (Map.Entry<String, ImageDataset> split : splits.entrySet()) {
                    Integer n = existing.counts().get(split.getKey());
                    if (damage.isEmpty() && (n == null || n != split.getValue().size())) {
                        damage = Optional.of(new CacheCheck.Damage(manifestFile(dir), "lists " + n + " "
                                + split.getKey() + " images but the dataset has " + split.getValue().size()));
                    }
                }
                if (damage.isEmpty()) {
                    out.println("latent cache " + dir + " is up to date and intact (" + existing.counts() + "); reusing it");
                    return existing;
                }
                out.println("latent cache " + dir + " is damaged (" + damage.get().describe() + "); rebuilding it");
            } else {
                out.println("latent cache " + dir + " was built from " + describe(existing.key()) + "; now " + describe(key)
                        + ": rebuilding it");
            }
        }
        clear(dir);
        return null;
    }

    /** Checksums every shard of {@code plan} and writes the manifest (atomically, last). */
    private static void writeManifest(Path dir, Manifest partial, ShardPlan plan) {
        Map<String, ShardInfo> files = new LinkedHashMap<>();
        long[] shape = null;
        try {
            for (ShardPlan.Shard shard : plan.shards()) {
                Path f = dir.resolve(shard.name());
                files.put(shard.name(), new ShardInfo(Files.size(f), Sha256.of(f), shard.count()));
                if (shape == null) {
                    try (SafetensorsFile sf = Safetensors.read(f)) {
                        shape = sf.get("mean").shape();                                  // (n, 2, C, h, w)
                    }
                }
            }
            Manifest m = new Manifest(partial.key(), partial.classes(), partial.counts(), partial.shards(),
                    shape == null ? 0 : (int) shape[2], shape == null ? 0 : (int) shape[3],
                    shape == null ? 0 : (int) shape[4], files);
            AtomicFiles.writeBytes(manifestFile(dir), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the latent cache manifest in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The cache of a run: both splits of {@code splits}, keyed by the VAE file's SHA-256 and the
     * config's data and latents sections (what encode and pipeline both build).
     */
    public static Manifest buildForRun(Path dir, VaeCheckpoints.LoadedVae vae, Config cfg,
                                       Splits splits, Device device, PrintWriter out) {
        return buildForRun(dir, vae, cfg, splits, device, out, Collective.single());
    }

    /** {@link #buildForRun(Path, ldm4j.autoencoder.VaeCheckpoints.LoadedVae, ldm4j.config.Config, ldm4j.data.Splits, Device, PrintWriter)} split across ranks. */
    public static Manifest buildForRun(Path dir, VaeCheckpoints.LoadedVae vae, Config cfg,
                                       Splits splits, Device device, PrintWriter out, Collective ranks) {
        Map<String, ImageDataset> parts = new LinkedHashMap<>();
        parts.put("train", splits.train());
        parts.put("test", splits.requireTest());
        requireShardFits(cfg);
        Transform transform = Transform.of(cfg.data());
        Key key = new Key(vae.sha256(), cfg.data().spec(), cfg.data().resolution(), transform.resampling(),
                cfg.latents().dtype());
        Precision precision = Precision.resolve(cfg.precision(), device);
        if (ranks.rank() == 0) {
            out.println("encode: " + precision.describe());
        }
        return build(dir, key, parts, vae.vae(), transform, device,
                precision, cfg.latents().batchSize(), cfg.latents().shardSize(), cfg.data().workers(), out, ranks);
    }

    /** The most bytes one shard's mean (or logvar) may take: the encoder holds both on the heap until the shard is written. */
    static final long MAX_SHARD_MOMENT_BYTES = 1L << 30;

    /**
     * Refuses a {@code latents.shardSize} whose shard would not fit the encoder's buffers (one mean and
     * one logvar array of shardSize x 2 flips x C x h x w on the Java heap, at most 1 GiB each); at
     * 256 px in f32 an image takes 32 KB, so the bound is 32,768 images per shard.
     */
    static void requireShardFits(Config cfg) {
        int h = cfg.data().resolution() / cfg.vae().model().downsampleFactor();
        long perImage = 2L * cfg.vae().model().latentChannels() * h * h
                * dtype(new Key("", "", 0, "", cfg.latents().dtype())).byteSize();
        long bytes = cfg.latents().shardSize() * perImage;
        if (bytes > MAX_SHARD_MOMENT_BYTES) {
            throw new LdmException("latents.shardSize = " + cfg.latents().shardSize() + " gives shards whose mean and logvar take "
                    + bytes / (1 << 20) + " MB each (" + perImage + " bytes per image and flip pair, " + cfg.latents().dtype()
                    + " " + cfg.vae().model().latentChannels() + "x" + h + "x" + h + "), above the encoder's "
                    + MAX_SHARD_MOMENT_BYTES / (1 << 20) + " MB: set latents.shardSize <= " + MAX_SHARD_MOMENT_BYTES / perImage);
        }
    }

    static String describe(Key k) {
        return "VAE " + k.vaeSha256().substring(0, Math.min(12, k.vaeSha256().length())) + ", data " + k.dataSpec()
                + ", " + k.resolution() + " px " + k.interpolation() + ", " + k.dtype();
    }

    /** Removes the cache's files (manifest first, so a half-deleted cache is never taken as valid). */
    static void clear(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(manifestFile(dir));
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (p.getFileName().toString().endsWith(".safetensors") || AtomicFiles.isTempFile(p)) {
                        Files.delete(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir + ": " + e.getMessage(), e);
        }
    }

    public static long sizeBytes(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Error for a missing cache. */
    public static LdmException missing(Path dir, Path run) {
        return new LdmException(dir + " has no latent cache: run 'bin/ldm4j encode --run " + run + "' first");
    }
}
