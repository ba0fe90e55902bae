package ldm4j.sample;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

import ldm4j.autoencoder.Autoencoder;
import ldm4j.autoencoder.LatentNormalizer;
import ldm4j.config.SamplerKind;
import ldm4j.diffusion.ClassBlend;
import ldm4j.diffusion.ClassifierFreeGuidance;
import ldm4j.diffusion.Denoiser;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.diffusion.Samplers;
import ldm4j.diffusion.Slerp;
import ldm4j.diffusion.StepNoise;
import ldm4j.diffusion.TimeGrid;
import ldm4j.diffusion.VDenoiser;
import ldm4j.torch.BlockScope;
import ldm4j.torch.ImageGrid;
import ldm4j.torch.Precision;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Seeds;
import ldm4j.nn.Backbone;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Generates images: per-image initial noise, the chosen sampler over the guided v-denoiser,
 * denormalisation with the VAE's statistics, and decoding. Results are host float arrays in [-1, 1].
 */
public final class LatentSampler {
    private final Backbone unet;
    private final Autoencoder vae;
    private final LatentNormalizer normalizer;
    private final Device device;
    private final Precision precision;
    private final NoiseSchedule schedule;

    /**
     * A sampler whose network calls (backbone, decoder, init-image encoder) run in {@code precision}, on the
     * noise schedule the backbone was trained on.
     */
    public LatentSampler(Backbone unet, Autoencoder vae, LatentNormalizer normalizer, Device device, Precision precision,
                         NoiseSchedule schedule) {
        this.schedule = schedule;
        this.unet = unet;
        this.vae = vae;
        this.normalizer = normalizer;
        this.device = device;
        this.precision = precision;
        unet.module().train(false);
        vae.train(false);
    }

    /**
     * The network as a v-denoiser over the sampling schedule (time broadcast over the batch); under
     * bf16 the UNet runs in autocast and its prediction is fp32 again before the sampler's arithmetic.
     */
    public VDenoiser denoiser() {
        return new VDenoiser((x, t, y) -> precision.autocast(() -> Precision.toFp32(unet.forward(x, t, y))), schedule);
    }

    /** The precision of this sampler's network calls. */
    public Precision precision() {
        return precision;
    }

    /**
     * Generates every requested image; {@code onBatch} receives the number of images finished.
     *
     * @return (N, 3, H, W) row-major floats in [-1, 1] and the image size
     */
    public Images generate(SampleRequest r, IntConsumer onBatch) {
        return generate(r, SampleListener.batches(onBatch));
    }

    /** Every requested image, with per-step progress, per-image delivery and cancellation. */
    public Images generate(SampleRequest r, SampleListener listener) {
        return generate(r, 0, r.classes().size(), listener);
    }

    /**
     * Images {@code from} (a multiple of the batch size, so batches are composed exactly as in a
     * whole run and the pixels match) to {@code to} of the request.
     */
    public Images generate(SampleRequest r, int from, int to, SampleListener listener) {
        int n = r.classes().size();
        if (from < 0 || to > n || from >= to || from % r.batchSize() != 0) {
            throw new IllegalArgumentException("images " + from + ".." + to + " of " + n + " (batch " + r.batchSize() + ")");
        }
        double[] times = timeGrid(r);
        int evalsPerStep = SamplerKind.of("sampler", r.sampler()).callsPerStep();
        int batches = (to - from + r.batchSize() - 1) / r.batchSize();
        int totalSteps = batches * (times.length - 1);
        List<float[]> parts = new ArrayList<>();
        int height = 0;
        int width = 0;
        for (int start = from; start < to; start += r.batchSize()) {
            int b = Math.min(r.batchSize(), n - start);
            int first = start;
            int stepsBefore = (start - from) / r.batchSize() * (times.length - 1);
            try (StepScope scope = StepScope.open(); InferenceMode mode = new InferenceMode()) {
                Tensor z = sampleBatch(r, first, b, times, new CountingDenoiser(guided(r, first, b), listener, evalsPerStep,
                        stepsBefore, totalSteps));                                     // normalised latents (b, C, s, s)
                for (int k = 0; k < b; k++) {
                    int index = first + k;
                    Tensor image = BlockScope.call(() -> Precision.toFp32(precision.autocast(() ->
                                    vae.decode(normalizer.denormalize(z.narrow(0, index - first, 1)))))
                            .clamp(new ScalarOptional(new Scalar(-1.0)),
                                    new ScalarOptional(new Scalar(1.0))));   // (1, 3, H, W)
                    long[] shape = Tensors.shape(image);
                    height = (int) shape[2];
                    width = (int) shape[3];
                    float[] chw = Tensors.toFloats(image);
                    parts.add(chw);
                    listener.image(index, chw, height, width);
                }
            }
            listener.batch(b);
        }
        int per = 3 * height * width;
        float[] all = new float[parts.size() * per];
        int offset = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, offset, p.length);
            offset += p.length;
        }
        return new Images(all, parts.size(), height, width);
    }

    // ---- the pieces of one batch: time grid, guided denoiser, starting point ----

    /** The request's grid; SDEdit starts at t = strength with proportionally fewer steps. */
    double[] timeGrid(SampleRequest r) {
        TimeGrid.Spacing spacing = TimeGrid.byName(r.spacing(), r.sampler());
        if (r.init() == null) {
            return TimeGrid.of(schedule, r.steps(), spacing);
        }
        double strength = r.init().strength();
        if (strength == 0) {
            return new double[]{schedule.tMin()};                                  // no steps: the reconstruction
        }
        int steps = Math.max(1, (int) Math.ceil(r.steps() * strength - 1e-9));
        return TimeGrid.of(schedule, steps, spacing, strength >= 1 ? schedule.tMax() : strength);
    }

    private Denoiser guided(SampleRequest r, int first, int b) {
        long nullClass = unet.numClasses();
        Denoiser guided = new ClassifierFreeGuidance(denoiser(), r.cfg(), nullClass, r.guidanceLow(), r.guidanceHigh());
        SampleRequest.Interpolation in = r.interpolation();
        if (in == null || r.classes().subList(first, first + b).stream().allMatch(c -> c == in.classB())) {
            return guided;
        }
        float[] w = new float[b];
        long[] yB = new long[b];
        for (int k = 0; k < b; k++) {
            w[k] = (float) SampleRequest.Interpolation.weight(first + k, r.classes().size());
            yB[k] = in.classB();
        }
        return new ClassBlend(guided, Tensors.fromLongs(yB, b).to(device, torch.ScalarType.Long),
                Tensors.fromFloats(w, b, 1, 1, 1).to(device, torch.ScalarType.Float));
    }

    /** Runs the sampler for images first..first+b-1 and returns their normalised latents. */
    private Tensor sampleBatch(SampleRequest r, int first, int b, double[] times, Denoiser d) {
        int c = unet.inChannels();
        int s = unet.latentSize();
        Samplers.Sampler sampler = Samplers.byName(r.sampler(), r.eta());
        TensorVector noise = new TensorVector();
        long[] labels = new long[b];
        for (int k = 0; k < b; k++) {
            noise.push_back(imageNoise(r, first + k, c, s, -1));
            labels[k] = r.classes().get(first + k);
        }
        Tensor eps = torch.stack(noise, 0).to(device, torch.ScalarType.Float);           // (b, C, s, s)
        Tensor y = Tensors.fromLongs(labels, b).to(device, torch.ScalarType.Long);
        StepNoise stepNoise = (step, shape) -> {
            TensorVector parts2 = new TensorVector();
            for (int k = 0; k < b; k++) {
                parts2.push_back(imageNoise(r, first + k, c, s, step));
            }
            return torch.stack(parts2, 0).to(device, torch.ScalarType.Float);
        };
        Tensor xT = eps;
        if (r.init() != null && r.init().strength() < 1) {
            Tensor z0 = initLatents(r.init(), b);                                        // (b, C, s, s)
            if (times.length == 1) {
                return z0;
            }
            double t0 = times[0];
            xT = z0.mul(new Scalar(schedule.alpha(t0))).add(eps.mul(new Scalar(schedule.sigma(t0))));
        }
        return sampler.sample(d, schedule, xT, y, times, stepNoise);
    }

    /**
     * Image {@code index}'s Gaussian draw: its initial noise ({@code step} = -1) or a sampler step's
     * fresh noise, from streams derived from (seed, index) alone; interpolation slerps A's and B's.
     */
    private Tensor imageNoise(SampleRequest r, int index, int c, int s, int step) {
        SampleRequest.Interpolation in = r.interpolation();
        if (in == null) {
            return draw(r.seed(), index, c, s, step);
        }
        return Slerp.of(draw(r.seed(), in.indexA(), c, s, step), draw(in.seedB(), in.indexB(), c, s, step),
                SampleRequest.Interpolation.weight(index, r.classes().size()));
    }

    private static Tensor draw(long seed, int index, int c, int s, int step) {
        Generator g = step < 0 ? Seeds.generator(seed, Seeds.SAMPLING, index)
                : torch.createCPUGenerator(Seeds.derive(Seeds.derive(seed, Seeds.SAMPLING, index), 1, step));
        return torch.randn(new long[]{c, s, s}, new GeneratorOptional(g), new TensorOptions(torch.ScalarType.Float));
    }

    /** The init image's posterior mean, normalised, repeated b times: (b, C, s, s). */
    private Tensor initLatents(SampleRequest.InitImage init, int b) {
        Tensor x = Tensors.fromFloats(init.chw(), 1, 3, init.height(), init.width()).to(device, torch.ScalarType.Float);
        Tensor z = normalizer.normalize(Precision.toFp32(precision.autocast(() -> vae.encode(x).mean()))); // (1, C, s, s)
        if (z.size(2) != unet.latentSize()) {
            throw new IllegalArgumentException("init image of " + init.width() + "x" + init.height()
                    + " gives latents of " + z.size(2) + ", the model needs " + unet.latentSize());
        }
        return z.expand(new long[]{b, z.size(1), z.size(2), z.size(3)}).contiguous();
    }

    /** Generated images: (count, 3, height, width) floats in [-1, 1]. */
    public record Images(float[] chw, int count, int height, int width) {
        /** Image i as a BufferedImage. */
        public BufferedImage image(int i) {
            int per = 3 * height * width;
            float[] one = Arrays.copyOfRange(chw, i * per, (i + 1) * per);
            return ImageGrid.of(one, 1, height, width, 1, 0);
        }

        public BufferedImage grid(int columns) {
            return ImageGrid.of(chw, count, height, width, columns, 2);
        }
    }
}
