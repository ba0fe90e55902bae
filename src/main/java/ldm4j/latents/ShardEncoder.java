package ldm4j.latents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.autoencoder.Autoencoder;
import ldm4j.autoencoder.DiagonalGaussian;
import ldm4j.data.Batch;
import ldm4j.data.DataLoader;
import ldm4j.data.ImageDataset;
import ldm4j.data.ImageRange;
import ldm4j.data.Transform;
import ldm4j.io.DType;
import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.torch.Precision;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Progress;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Encodes one shard of a latent cache and writes its file: the posterior moments of every image and
 * of its mirror image. Batches start at the shard's first image, so a shard's bytes are the same
 * whichever rank encodes it and however many ranks there are.
 */
final class ShardEncoder {
    private final Autoencoder vae;
    private final Transform transform;
    private final Device device;
    private final int batchSize;
    private final int workers;
    private final DType dtype;
    private final Precision precision; // of the encoder; the moments are stored from fp32

    ShardEncoder(Autoencoder vae, Transform transform, Device device, Precision precision, int batchSize,
                 int workers, DType dtype) {
        this.precision = precision;
        this.vae = vae;
        this.transform = transform;
        this.device = device;
        this.batchSize = batchSize;
        this.workers = workers;
        this.dtype = dtype;
    }

    /** The posterior of images x (B, 3, H, W) under this encoder's precision, as fp32 moments. */
    private DiagonalGaussian posterior(Tensor x) {
        DiagonalGaussian p = precision.autocast(() -> vae.encode(x));
        return new DiagonalGaussian(Precision.toFp32(p.mean()), Precision.toFp32(p.logvar()));
    }

    /** Encodes {@code shard} of {@code split} into {@code dir/shard.name()} (atomically). */
    void encode(ShardPlan.Shard shard, ImageDataset split, Path dir, Progress progress) {
        ImageDataset images = new ImageRange(split, shard.from(), shard.count());
        ByteBuffer mean = null;
        ByteBuffer logvar = null;
        long[] labels = new long[shard.count()];
        long[] shape = null;
        int done = 0;
        try (DataLoader loader = DataLoader.evaluation(images, transform, batchSize, workers, 3);
             DataLoader.Epoch epoch = loader.epoch(0);
             InferenceMode mode = new InferenceMode()) {
            for (Batch b : epoch) {
                try (StepScope s = StepScope.open()) {
                    Tensor x = b.imageTensor().to(device, torch.ScalarType.Float);           // (B, 3, H, W)
                    DiagonalGaussian p = posterior(x);
                    DiagonalGaussian pf = posterior(x.flip(3));                                // mirrored images
                    Tensor m = torch.stack(new TensorVector(p.mean(), pf.mean()), 1);          // (B, 2, C, h, w)
                    Tensor l = torch.stack(new TensorVector(p.logvar(), pf.logvar()), 1);
                    HostTensor hm = Tensors.toHost(m.to(Tensors.scalarTypeOf(dtype)));
                    HostTensor hl = Tensors.toHost(l.to(Tensors.scalarTypeOf(dtype)));
                    if (mean == null) {
                        long[] sh = Tensors.shape(m);
                        shape = new long[]{shard.count(), 2, sh[2], sh[3], sh[4]};
                        long bytes = (long) shard.count() * hm.data().remaining() / b.size();
                        mean = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
                        logvar = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
                    }
                    mean.put(hm.data());
                    logvar.put(hl.data());
                    System.arraycopy(b.labels(), 0, labels, done, b.size());
                    done += b.size();
                }
                progress.step(b.size());
            }
        }
        Map<String, HostTensor> t = new LinkedHashMap<>();
        t.put("mean", new HostTensor(dtype, shape, mean.flip()));
        t.put("logvar", new HostTensor(dtype, shape, logvar.flip()));
        t.put("labels", HostTensor.ofLongs(labels, labels.length));
        Path file = dir.resolve(shard.name());
        try {
            Safetensors.write(file, t, Map.of("format", "ldm4j", "kind", "latents", "split", shard.split()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
