package ldm4j.latents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import ldm4j.io.DType;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One split of the latent cache, memory-mapped: the shards' bytes are never copied into Java
 * objects; a batch gathers the selected (image, flip) blocks into one buffer.
 */
public final class LatentSet implements AutoCloseable {
    private final List<SafetensorsFile> files = new ArrayList<>();
    private final List<ByteBuffer> means = new ArrayList<>();
    private final List<ByteBuffer> logvars = new ArrayList<>();
    private final long[] labels;
    private final int[] shardStart;
    private final DType dtype;
    private final int c;
    private final int h;
    private final int w;
    private final int blockBytes;   // one (C, h, w) block
    private final List<String> classes;

    private LatentSet(Path dir, LatentCache.Manifest m, String split) {
        List<String> names = m.shards().get(split);
        if (names == null) {
            throw new FormatException(LatentCache.manifestFile(dir), "has no split '" + split + "'");
        }
        this.classes = List.copyOf(m.classes());
        this.c = m.channels();
        this.h = m.height();
        this.w = m.width();
        this.dtype = LatentCache.dtype(m.key());
        this.blockBytes = c * h * w * dtype.byteSize();
        int total = m.counts().get(split);
        this.labels = new long[total];
        this.shardStart = new int[names.size() + 1];
        int n = 0;
        try {
            for (int i = 0; i < names.size(); i++) {
                Path f = dir.resolve(names.get(i));
                SafetensorsFile sf = Safetensors.read(f);
                files.add(sf);
                HostTensor lab = sf.get("labels");
                int count = (int) lab.shape()[0];
                HostTensor mean = sf.requireShape("mean", dtype, count, 2, c, h, w);
                HostTensor logvar = sf.requireShape("logvar", dtype, count, 2, c, h, w);
                means.add(mean.data());
                logvars.add(logvar.data());
                shardStart[i] = n;
                if (n + count > total) {
                    throw new FormatException(f, "holds more images than the manifest's " + total);
                }
                lab.data().asLongBuffer().get(labels, n, count);
                n += count;
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot read latent cache " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        shardStart[names.size()] = n;
        if (n != total) {
            close();
            throw new FormatException(LatentCache.manifestFile(dir), "lists " + total + " " + split + " images but the shards hold "
                    + n + ": delete " + dir + " to rebuild the cache");
        }
    }

    /**
     * Opens a split of a complete cache, after the quick check of every shard against the manifest
     * (sizes, headers, shapes, labels); a damaged cache is refused naming the file and {@code encode}.
     */
    public static LatentSet open(Path dir, String split) {
        return new LatentSet(dir, LatentCache.open(dir), split);
    }

    public int size() {
        return labels.length;
    }

    /** Class names in label order. */
    public List<String> classes() {
        return classes;
    }

    public long label(int i) {
        return labels[i];
    }

    public long[] shape() {
        return new long[]{c, h, w};
    }

    /** The moments of the given images (flip[k] selects the mirrored copy), as float32 CPU tensors. */
    public Moments gather(int[] indices, boolean[] flip) {
        int b = indices.length;
        ByteBuffer m = ByteBuffer.allocate(b * blockBytes).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer l = ByteBuffer.allocate(b * blockBytes).order(ByteOrder.LITTLE_ENDIAN);
        long[] y = new long[b];
        for (int k = 0; k < b; k++) {
            int i = indices[k];
            int s = shard(i);
            int local = i - shardStart[s];
            int offset = (local * 2 + (flip[k] ? 1 : 0)) * blockBytes;
            m.put(m.position(), means.get(s), offset, blockBytes).position(m.position() + blockBytes);
            l.put(l.position(), logvars.get(s), offset, blockBytes).position(l.position() + blockBytes);
            y[k] = labels[i];
        }
        m.flip();
        l.flip();
        long[] shape = {b, c, h, w};
        Tensor mean = Tensors.fromHost(new HostTensor(dtype, shape, m)).to(torch.ScalarType.Float);
        Tensor logvar = Tensors.fromHost(new HostTensor(dtype, shape, l)).to(torch.ScalarType.Float);
        return new Moments(mean, logvar, Tensors.fromLongs(y, b));
    }

    private int shard(int i) {
        int lo = 0;
        int hi = shardStart.length - 2;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (shardStart[mid] <= i) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Posterior moments of a batch: (B, C, h, w) each, and labels (B,). */
    public record Moments(Tensor mean, Tensor logvar, Tensor labels) {
        /** A posterior sample mean + exp(logvar / 2) * eps. */
        public Tensor sample(Tensor eps) {
            return mean.add(logvar.mul(new Scalar(0.5)).exp().mul(eps));
        }
    }

    @Override
    public void close() {
        for (SafetensorsFile f : files) {
            try {
                f.close();
            } catch (IOException ignored) {
                // mapped buffers are released by the GC
            }
        }
        files.clear();
    }
}
