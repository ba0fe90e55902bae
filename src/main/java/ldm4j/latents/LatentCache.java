package ldm4j.latents;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LdmException;
import ldm4j.autoencoder.Autoencoder;
import ldm4j.autoencoder.DiagonalGaussian;
import ldm4j.data.Batch;
import ldm4j.data.DataLoader;
import ldm4j.data.ImageDataset;
import ldm4j.data.Transform;
import ldm4j.io.AtomicFiles;
import ldm4j.io.DType;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Progress;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

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

    /**
     * Encodes the given splits unless a valid cache with the same key exists. Returns the manifest.
     *
     * @param splits split name to dataset, e.g. {"train": ..., "test": ...}
     */
    public static Manifest build(Path dir, Key key, Map<String, ImageDataset> splits, Autoencoder vae, Transform transform,
                                 Device device, int batchSize, int shardSize, int workers, PrintWriter out) {
        return build(dir, key, splits, vae, transform, device, ldm4j.torch.Precision.fp32(device), batchSize, shardSize,
                workers, out);
    }

    /** As above, with the encoder running in {@code precision} (its moments are stored from fp32). */
    public static Manifest build(Path dir, Key key, Map<String, ImageDataset> splits, Autoencoder vae, Transform transform,
                                 Device device, ldm4j.torch.Precision precision, int batchSize, int shardSize, int workers,
                                 PrintWriter out) {
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
                java.util.Optional<CacheCheck.Damage> damage = CacheCheck.check(dir, existing, true);
                for (Map.Entry<String, ImageDataset> split : splits.entrySet()) {
                    Integer n = existing.counts().get(split.getKey());
                    if (damage.isEmpty() && (n == null || n != split.getValue().size())) {
                        damage = java.util.Optional.of(new CacheCheck.Damage(manifestFile(dir), "lists " + n + " "
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
        DType dtype = dtype(key);
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, List<String>> shards = new LinkedHashMap<>();
        Map<String, ShardInfo> files = new LinkedHashMap<>();
        int[] chw = new int[3];
        vae.train(false);
        for (Map.Entry<String, ImageDataset> split : splits.entrySet()) {
            ImageDataset ds = split.getValue();
            List<String> names = new ArrayList<>();
            long start = System.nanoTime();
            try (DataLoader loader = DataLoader.evaluation(ds, transform, batchSize, workers, 3);
                 DataLoader.Epoch epoch = loader.epoch(0);
                 Progress progress = Progress.start("encode " + split.getKey(), ds.size(), "img");
                 InferenceMode mode = new InferenceMode()) {
                ShardBuffer shard = null;
                for (Batch b : epoch) {
                    try (StepScope s = StepScope.open()) {
                        Tensor x = b.imageTensor().to(device, torch.ScalarType.Float);           // (B, 3, H, W)
                        DiagonalGaussian p = encode(vae, x, precision);
                        DiagonalGaussian pf = encode(vae, x.flip(3), precision);                   // mirrored images
                        Tensor mean = torch.stack(new org.bytedeco.pytorch.TensorVector(p.mean(), pf.mean()), 1);   // (B, 2, C, h, w)
                        Tensor logvar = torch.stack(new org.bytedeco.pytorch.TensorVector(p.logvar(), pf.logvar()), 1);
                        long[] sh = Tensors.shape(p.mean());
                        chw[0] = (int) sh[1];
                        chw[1] = (int) sh[2];
                        chw[2] = (int) sh[3];
                        HostTensor hm = Tensors.toHost(mean.to(Tensors.scalarTypeOf(dtype)));
                        HostTensor hl = Tensors.toHost(logvar.to(Tensors.scalarTypeOf(dtype)));
                        int offset = 0;
                        while (offset < b.size()) {
                            if (shard == null) {
                                shard = new ShardBuffer(shardSize, dtype, chw);
                            }
                            int n = shard.add(hm, hl, b.labels(), offset);
                            offset += n;
                            if (shard.full()) {
                                names.add(shard.write(dir, split.getKey(), names.size(), files));
                                shard = null;
                            }
                        }
                    }
                    progress.step(b.size());
                }
                if (shard != null && shard.count > 0) {
                    names.add(shard.write(dir, split.getKey(), names.size(), files));
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            out.printf("encoded %,d %s images (x2 with flips) in %.1f s = %,.0f images/s%n", ds.size(), split.getKey(), secs,
                    ds.size() / secs);
            counts.put(split.getKey(), ds.size());
            shards.put(split.getKey(), names);
        }
        Manifest m = new Manifest(key, splits.values().iterator().next().classes(), counts, shards, chw[0], chw[1], chw[2],
                files);
        try {
            AtomicFiles.writeBytes(manifestFile(dir), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + manifestFile(dir) + ": " + e.getMessage(), e);
        }
        out.printf("latent cache: %s, %.1f MB%n", dir, sizeBytes(dir) / 1e6);
        return m;
    }

    /** The posterior of images x under {@code precision}, as fp32 moments. */
    private static DiagonalGaussian encode(Autoencoder vae, Tensor x, ldm4j.torch.Precision precision) {
        DiagonalGaussian p = precision.autocast(() -> vae.encode(x));
        return new DiagonalGaussian(ldm4j.torch.Precision.toFp32(p.mean()), ldm4j.torch.Precision.toFp32(p.logvar()));
    }

    /**
     * The cache of a run: both splits of {@code splits}, keyed by the VAE file's SHA-256 and the
     * config's data and latents sections (what encode and pipeline both build).
     */
    public static Manifest buildForRun(Path dir, ldm4j.autoencoder.VaeCheckpoints.LoadedVae vae, ldm4j.config.Config cfg,
                                       ldm4j.data.Splits splits, Device device, PrintWriter out) {
        Map<String, ImageDataset> parts = new LinkedHashMap<>();
        parts.put("train", splits.train());
        parts.put("test", splits.requireTest());
        Key key = new Key(vae.sha256(), cfg.data().spec(), cfg.data().resolution(), cfg.data().interpolation(),
                cfg.latents().dtype());
        ldm4j.torch.Precision precision = ldm4j.torch.Precision.resolve(cfg.precision(), device);
        out.println("encode: " + precision.describe());
        return build(dir, key, parts, vae.vae(), new Transform(cfg.data().resolution(), cfg.data().interpolation()), device,
                precision, cfg.latents().batchSize(), cfg.latents().shardSize(), cfg.data().workers(), out);
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

    /** Accumulates one shard in host memory. */
    private static final class ShardBuffer {
        final int capacity;
        final DType dtype;
        final int[] chw;
        final int perImage;            // bytes of one image's (2, C, h, w) block
        final ByteBuffer mean;
        final ByteBuffer logvar;
        final long[] labels;
        int count;

        ShardBuffer(int capacity, DType dtype, int[] chw) {
            this.capacity = capacity;
            this.dtype = dtype;
            this.chw = chw.clone();
            this.perImage = 2 * chw[0] * chw[1] * chw[2] * dtype.byteSize();
            this.mean = ByteBuffer.allocate(capacity * perImage).order(ByteOrder.LITTLE_ENDIAN);
            this.logvar = ByteBuffer.allocate(capacity * perImage).order(ByteOrder.LITTLE_ENDIAN);
            this.labels = new long[capacity];
        }

        /** Copies images [offset, ...) of a batch until full; returns how many were taken. */
        int add(HostTensor m, HostTensor l, long[] batchLabels, int offset) {
            int n = Math.min(capacity - count, batchLabels.length - offset);
            ByteBuffer ms = m.data();
            ByteBuffer ls = l.data();
            ms.position(offset * perImage).limit((offset + n) * perImage);
            ls.position(offset * perImage).limit((offset + n) * perImage);
            mean.put(ms);
            logvar.put(ls);
            System.arraycopy(batchLabels, offset, labels, count, n);
            count += n;
            return n;
        }

        boolean full() {
            return count == capacity;
        }

        /** Writes the shard and records its size, checksum and count in {@code files}; returns its name. */
        String write(Path dir, String split, int index, Map<String, ShardInfo> files) {
            String name = String.format("%s-%04d.safetensors", split, index);
            long[] shape = {count, 2, chw[0], chw[1], chw[2]};
            ByteBuffer m = mean.duplicate().flip();
            ByteBuffer l = logvar.duplicate().flip();
            Map<String, HostTensor> t = new LinkedHashMap<>();
            t.put("mean", new HostTensor(dtype, shape, m));
            t.put("logvar", new HostTensor(dtype, shape, l));
            t.put("labels", HostTensor.ofLongs(java.util.Arrays.copyOf(labels, count), count));
            try {
                Safetensors.write(dir.resolve(name), t, Map.of("format", "ldm4j", "kind", "latents", "split", split));
                files.put(name, new ShardInfo(Files.size(dir.resolve(name)), ldm4j.autoencoder.VaeCheckpoints.sha256(dir.resolve(name)),
                        count));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + dir.resolve(name) + ": " + e.getMessage(), e);
            }
            return name;
        }
    }

    /** Error for a missing cache. */
    public static LdmException missing(Path dir, Path run) {
        return new LdmException(dir + " has no latent cache: run 'bin/ldm4j encode --run " + run + "' first");
    }
}
