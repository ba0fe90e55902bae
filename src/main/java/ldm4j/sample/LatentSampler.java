package ldm4j.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

import ldm4j.autoencoder.Autoencoder;
import ldm4j.autoencoder.LatentNormalizer;
import ldm4j.diffusion.ClassifierFreeGuidance;
import ldm4j.diffusion.CosineSchedule;
import ldm4j.diffusion.Denoiser;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.diffusion.Samplers;
import ldm4j.diffusion.StepNoise;
import ldm4j.diffusion.TimeGrid;
import ldm4j.diffusion.VDenoiser;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Seeds;
import ldm4j.unet.Unet;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Generates images: per-image initial noise, the chosen sampler over the guided v-denoiser,
 * denormalisation with the VAE's statistics, and decoding. Results are host float arrays in [-1, 1].
 */
public final class LatentSampler {
    private final Unet unet;
    private final Autoencoder vae;
    private final LatentNormalizer normalizer;
    private final Device device;
    private final NoiseSchedule schedule = CosineSchedule.standard();

    public LatentSampler(Unet unet, Autoencoder vae, LatentNormalizer normalizer, Device device) {
        this.unet = unet;
        this.vae = vae;
        this.normalizer = normalizer;
        this.device = device;
        unet.train(false);
        vae.train(false);
    }

    /** The network as a v-denoiser over the sampling schedule (time broadcast over the batch). */
    public VDenoiser denoiser() {
        return new VDenoiser(unet::forward, schedule);
    }

    /**
     * Generates every requested image; {@code onBatch} receives the number of images finished.
     *
     * @return (N, 3, H, W) row-major floats in [-1, 1] and the image size
     */
    public Images generate(SampleRequest r, IntConsumer onBatch) {
        long nullClass = unet.config().numClasses();
        Denoiser guided = ClassifierFreeGuidance.of(denoiser(), r.cfg(), nullClass);
        Samplers.Sampler sampler = Samplers.byName(r.sampler(), r.eta());
        TimeGrid.Spacing spacing = switch (r.spacing()) {
            case "uniform-t" -> TimeGrid.Spacing.UNIFORM_T;
            case "uniform-logsnr" -> TimeGrid.Spacing.UNIFORM_LOGSNR;
            default -> TimeGrid.defaultFor(r.sampler());
        };
        double[] times = TimeGrid.of(schedule, r.steps(), spacing);
        int c = unet.inChannels();
        int s = unet.latentSize();
        List<float[]> parts = new ArrayList<>();
        int height = 0;
        int width = 0;
        int n = r.classes().size();
        for (int start = 0; start < n; start += r.batchSize()) {
            int b = Math.min(r.batchSize(), n - start);
            int first = start;
            try (StepScope scope = StepScope.open(); InferenceMode mode = new InferenceMode()) {
                TensorVector noise = new TensorVector();
                long[] labels = new long[b];
                for (int k = 0; k < b; k++) {
                    noise.push_back(torch.randn(new long[]{c, s, s}, new GeneratorOptional(
                            Seeds.generator(r.seed(), Seeds.SAMPLING, first + k)), new TensorOptions(torch.ScalarType.Float)));
                    labels[k] = r.classes().get(first + k);
                }
                Tensor xT = torch.stack(noise, 0).to(device, torch.ScalarType.Float);             // (b, C, s, s)
                Tensor y = Tensors.fromLongs(labels, b).to(device, torch.ScalarType.Long);
                StepNoise stepNoise = (step, shape) -> {
                    TensorVector parts2 = new TensorVector();
                    for (int k = 0; k < b; k++) {
                        long seed = Seeds.derive(Seeds.derive(r.seed(), Seeds.SAMPLING, first + k), 1, step);
                        parts2.push_back(torch.randn(new long[]{c, s, s}, new GeneratorOptional(torch.createCPUGenerator(seed)),
                                new TensorOptions(torch.ScalarType.Float)));
                    }
                    return torch.stack(parts2, 0).to(device, torch.ScalarType.Float);
                };
                Tensor z = sampler.sample(guided, schedule, xT, y, times, stepNoise);            // normalised latents
                Tensor images = vae.decode(normalizer.denormalize(z)).clamp(new org.bytedeco.pytorch.ScalarOptional(
                        new Scalar(-1.0)), new org.bytedeco.pytorch.ScalarOptional(new Scalar(1.0)));  // (b, 3, H, W)
                long[] shape = Tensors.shape(images);
                height = (int) shape[2];
                width = (int) shape[3];
                parts.add(Tensors.toFloats(images));
            }
            onBatch.accept(b);
        }
        int per = 3 * height * width;
        float[] all = new float[n * per];
        int offset = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, offset, p.length);
            offset += p.length;
        }
        return new Images(all, n, height, width);
    }

    /** Generated images: (count, 3, height, width) floats in [-1, 1]. */
    public record Images(float[] chw, int count, int height, int width) {
        /** Image i as a BufferedImage. */
        public java.awt.image.BufferedImage image(int i) {
            int per = 3 * height * width;
            float[] one = java.util.Arrays.copyOfRange(chw, i * per, (i + 1) * per);
            return ldm4j.torch.ImageGrid.of(one, 1, height, width, 1, 0);
        }

        public java.awt.image.BufferedImage grid(int columns) {
            return ldm4j.torch.ImageGrid.of(chw, count, height, width, columns, 2);
        }
    }
}
