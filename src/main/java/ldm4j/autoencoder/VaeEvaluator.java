package ldm4j.autoencoder;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

import ldm4j.data.Batch;
import ldm4j.data.DataLoader;
import ldm4j.data.ImageDataset;
import ldm4j.data.RawImage;
import ldm4j.data.Transform;
import ldm4j.torch.ImageGrid;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Test-set reconstruction quality on a fixed subset (N test images evenly spaced through the split,
 * so a class-sorted folder contributes every class), through the posterior mode (mean), and
 * reconstruction grids (originals on top, reconstructions below). Batches hold at most 100 images and
 * at most {@code latents.batchSize} (the encoder batch the config sizes for its resolution: at 256 px a
 * batch of 100 would hold several GB of activations).
 */
public final class VaeEvaluator {
    private static final int MAX_BATCH = 100;
    private final ImageDataset test;
    private final Transform transform;
    private final Device device;
    private final int workers;
    private final int batch;

    /** {@code encoderBatch}: {@code latents.batchSize}, the images one encoder batch may hold. */
    public VaeEvaluator(ImageDataset test, Transform transform, Device device, int workers, int encoderBatch) {
        this.batch = batchFor(encoderBatch);
        this.test = test;
        this.transform = transform;
        this.device = device;
        this.workers = workers;
    }

    /** Images per evaluation batch: at most 100, and at most the encoder batch of the config. */
    static int batchFor(int encoderBatch) {
        return Math.max(1, Math.min(MAX_BATCH, encoderBatch));
    }

    /** MSE and PSNR over {@code images} evenly spaced test images (all of them if fewer). */
    public ReconstructionMetrics evaluate(Autoencoder vae, int images) {
        int n = Math.min(images, test.size());
        ImageDataset subset = subset(test, n);
        boolean wasTraining = vae.is_training();
        vae.train(false);
        double sse = 0;
        long elements = 0;
        try (DataLoader loader = DataLoader.evaluation(subset, transform, batch, workers, 2);
             DataLoader.Epoch epoch = loader.epoch(0);
             InferenceMode mode = new InferenceMode()) {
            for (Batch b : epoch) {
                try (StepScope s = StepScope.open()) {
                    Tensor x = b.imageTensor().to(device, torch.ScalarType.Float);        // (B, 3, H, W)
                    Tensor xhat = vae.decode(vae.encode(x).mean()).to(torch.ScalarType.Float);
                    sse += xhat.sub(x).pow(new Scalar(2)).sum().item_double();
                    elements += x.numel();
                }
            }
        } finally {
            vae.train(wasTraining);
        }
        return ReconstructionMetrics.of(sse, elements, n);
    }

    /** A grid of the first {@code n} test images (top row) and their reconstructions (bottom row). */
    public BufferedImage grid(Autoencoder vae, int n) {
        int count = Math.min(n, test.size());
        List<RawImage> raw = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            raw.add(test.load(spaced(i, count, test.size())));
        }
        boolean wasTraining = vae.is_training();
        vae.train(false);
        try (StepScope s = StepScope.open(); InferenceMode mode = new InferenceMode()) {
            int r = transform.resolution();
            float[] x = transform.apply(raw, new boolean[count]);
            Tensor xt = Tensors.fromFloats(x, count, 3, r, r).to(device, torch.ScalarType.Float);
            Tensor xhat = vae.decode(vae.encode(xt).mean());
            Tensor both = torch.cat(new TensorVector(xt, xhat.to(torch.ScalarType.Float)), 0);
            return ImageGrid.of(both, count, 2);
        } finally {
            vae.train(wasTraining);
        }
    }

    /** The k-th of n indices evenly spaced over [0, size). */
    public static int spaced(int k, int n, int size) {
        return (int) ((long) k * size / n);
    }

    static ImageDataset subset(ImageDataset ds, int n) {
        return new ImageDataset() {
            public String source() {
                return ds.source() + " [" + n + " evenly spaced]";
            }

            public List<String> classes() {
                return ds.classes();
            }

            public int size() {
                return n;
            }

            public int label(int i) {
                return ds.label(spaced(i, n, ds.size()));
            }

            public RawImage load(int i) {
                return ds.load(spaced(i, n, ds.size()));
            }
        };
    }
}
