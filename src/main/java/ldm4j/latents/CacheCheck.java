package ldm4j.latents;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import ldm4j.io.DType;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.io.Sha256;
import ldm4j.io.TensorChecks;

/**
 * Verifies a latent cache against its manifest. The quick check (every open) compares each shard's
 * size with the manifest and validates its header, dtypes, shapes, image counts and labels; the full
 * check ({@code encode}, before reusing a cache) also compares every shard's SHA-256 and scans the
 * moments for NaN or infinite values. Pure functions.
 */
public final class CacheCheck {
    private CacheCheck() {
    }

    /** What is wrong with a cache: the file (shard or manifest) and the problem. */
    public record Damage(Path file, String problem) {
        public String describe() {
            return file + ": " + problem;
        }
    }

    /** The first problem found, or empty if the cache is intact. */
    public static Optional<Damage> check(Path dir, LatentCache.Manifest m, boolean full) {
        Path manifest = LatentCache.manifestFile(dir);
        if (m.files() == null) {
            return damage(manifest, "has no shard sizes and checksums (written by an older ldm4j)");
        }
        if (m.counts() == null || m.shards() == null || m.classes() == null || m.key() == null || m.key().dtype() == null) {
            return damage(manifest, "is incomplete");
        }
        DType dtype = LatentCache.dtype(m.key());
        for (var split : m.counts().entrySet()) {
            List<String> names = m.shards().get(split.getKey());
            if (names == null) {
                return damage(manifest, "lists " + split.getValue() + " " + split.getKey() + " images but no shards for them");
            }
            long total = 0;
            for (String name : names) {
                LatentCache.ShardInfo info = m.files().get(name);
                Path f = dir.resolve(name);
                if (info == null || !name.equals(f.getFileName().toString())) {
                    return damage(manifest, "lists shard '" + name + "' without its size and checksum");
                }
                Optional<Damage> d = checkShard(f, info, dtype, m, full);
                if (d.isPresent()) {
                    return d;
                }
                total += info.count();
            }
            if (total != split.getValue()) {
                return damage(manifest, "lists " + split.getValue() + " " + split.getKey() + " images but its shards hold " + total);
            }
        }
        return Optional.empty();
    }

    private static Optional<Damage> checkShard(Path f, LatentCache.ShardInfo info, DType dtype, LatentCache.Manifest m,
                                               boolean full) {
        try {
            if (!Files.isRegularFile(f)) {
                return damage(f, "is missing");
            }
            long size = Files.size(f);
            if (size != info.bytes()) {
                return damage(f, "is " + size + " bytes but the manifest says " + info.bytes() + " (truncated or replaced)");
            }
            if (full && !Sha256.of(f).equals(info.sha256())) {
                return damage(f, "has changed since it was written (SHA-256 differs from the manifest's)");
            }
            try (SafetensorsFile sf = Safetensors.read(f)) {
                int n = info.count();
                sf.requireShape("labels", DType.I64, n);
                HostTensor mean = sf.requireShape("mean", dtype, n, 2, m.channels(), m.height(), m.width());
                HostTensor logvar = sf.requireShape("logvar", dtype, n, 2, m.channels(), m.height(), m.width());
                long[] labels = new long[n];
                sf.get("labels").data().asLongBuffer().get(labels);
                for (long y : labels) {
                    if (y < 0 || y >= m.classes().size()) {
                        return damage(f, "holds label " + y + " outside the " + m.classes().size() + " classes");
                    }
                }
                if (full && (TensorChecks.firstNonFinite(mean) >= 0 || TensorChecks.firstNonFinite(logvar) >= 0)) {
                    return damage(f, "holds NaN or infinite latents");
                }
            }
        } catch (NoSuchFileException e) {
            return damage(f, "is missing");
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return damage(f, msg.startsWith(f.toString()) ? msg.substring(f.toString().length()).replaceFirst("^: ", "") : msg);
        }
        return Optional.empty();
    }

    private static Optional<Damage> damage(Path file, String problem) {
        return Optional.of(new Damage(file, problem));
    }
}
