package ldm4j.autoencoder;

import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.data.Batch;
import ldm4j.data.DataLoader;
import ldm4j.data.ImageDataset;
import ldm4j.data.Subset;
import ldm4j.data.Transform;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Progress;
import ldm4j.train.Seeds;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Per-channel mean and standard deviation of posterior samples over a dataset, or over {@code limit} evenly
 * spaced images of it (no flips), accumulated in float64, plus the mean KL per latent element. The result becomes the
 * {@link LatentNormalizer} stored with the VAE. Batches hold at most 250 images and at most
 * {@code latents.batchSize} (sized for the resolution), so memory does not grow with the dataset or
 * the image size beyond one encoder batch.
 */
public record LatentStatistics(LatentNormalizer normalizer, long count, double klPerElement) {
    private static final int MAX_BATCH = 250;

    /** Images per batch: at most 250, and at most the encoder batch of the config. */
    static int batchFor(int encoderBatch) {
        return Math.max(1, Math.min(MAX_BATCH, encoderBatch));
    }

    /**
     * The statistics of {@code data}, or of {@code limit} evenly spaced images of it when {@code limit} is above 0
     * and below its size ({@code latents.statsImages}).
     */
    public static LatentStatistics compute(Autoencoder vae, ImageDataset data, int limit, Transform transform, Device device,
                                           long seed, int workers, int encoderBatch) {
        ImageDataset ds = limit > 0 && limit < data.size() ? Subset.spaced(data, limit) : data;
        boolean wasTraining = vae.is_training();
        vae.train(false);
        double[] sum = null;
        double[] sumSq = null;
        double klSum = 0;
        long perChannel = 0;
        long latentElements = 0;
        try (DataLoader loader = DataLoader.evaluation(ds, transform, batchFor(encoderBatch), workers, 2);
             DataLoader.Epoch epoch = loader.epoch(0);
             Progress progress = Progress.start("latent statistics", ds.size(), "img");
             InferenceMode mode = new InferenceMode()) {
            for (Batch b : epoch) {
                try (StepScope s = StepScope.open()) {
                    Tensor x = b.imageTensor().to(device, torch.ScalarType.Float);
                    DiagonalGaussian post = vae.encode(x);
                    Tensor eps = torch.randn(Tensors.shape(post.mean()),
                            new GeneratorOptional(Seeds.generator(seed, Seeds.LATENT_STATS, b.index())),
                            new TensorOptions(torch.ScalarType.Float)).to(device, torch.ScalarType.Float);
                    Tensor z = post.sampleWith(eps).to(torch.ScalarType.Double);              // (B, C, h, w)
                    long[] shape = Tensors.shape(z);
                    int c = (int) shape[1];
                    if (sum == null) {
                        sum = new double[c];
                        sumSq = new double[c];
                    }
                    long[] dims = {0, 2, 3};
                    double[] s1 = toDoubles(z.sum(dims));
                    double[] s2 = toDoubles(z.mul(z).sum(dims));
                    for (int k = 0; k < c; k++) {
                        sum[k] += s1[k];
                        sumSq[k] += s2[k];
                    }
                    perChannel += shape[0] * shape[2] * shape[3];
                    klSum += post.klPerElement().to(torch.ScalarType.Double).sum().item_double();
                    latentElements += z.numel();
                }
                progress.step(b.size());
            }
        } finally {
            vae.train(wasTraining);
        }
        float[] mean = new float[sum.length];
        float[] std = new float[sum.length];
        for (int k = 0; k < sum.length; k++) {
            double m = sum[k] / perChannel;
            mean[k] = (float) m;
            std[k] = (float) Math.sqrt(Math.max(sumSq[k] / perChannel - m * m, 1e-12));
        }
        return new LatentStatistics(new LatentNormalizer(mean, std), ds.size(), klSum / latentElements);
    }

    private static double[] toDoubles(Tensor t) {
        Tensor d = t.to(torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) d.numel()];
        d.data_ptr_double().get(out);
        return out;
    }

    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int k = 0; k < normalizer.channels(); k++) {
            m.put("mean_" + k, (double) normalizer.mean()[k]);
            m.put("std_" + k, (double) normalizer.std()[k]);
        }
        m.put("kl_per_element", klPerElement);
        m.put("images", count);
        return m;
    }
}
