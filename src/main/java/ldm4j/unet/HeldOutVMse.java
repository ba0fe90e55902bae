package ldm4j.unet;

import java.util.LinkedHashMap;
import java.util.Map;

import ldm4j.autoencoder.LatentNormalizer;
import ldm4j.autoencoder.VaeEvaluator;
import ldm4j.diffusion.NoiseSchedule;
import ldm4j.diffusion.VDenoiser;
import ldm4j.latents.LatentSet;
import ldm4j.nn.Backbone;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import ldm4j.train.Seeds;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The held-out v-MSE: plain v-MSE of the conditional model on a fixed set of test latents
 * (posterior means, unflipped, normalised, evenly spaced through the split) with fixed noise, at t = 0.1, 0.2, ..., 0.9, averaged
 * over t. This is the write-up's "v-MSE ~0.3" figure and its per-t curve.
 */
public final class HeldOutVMse implements AutoCloseable {
    public static final double[] TIMES = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
    private static final int BATCH = 250;
    private final Tensor z0;      // (N, C, h, w), normalised
    private final Tensor labels;  // (N,)
    private final Tensor noise;   // (T, N, C, h, w)
    private final PointerScope owner = new PointerScope();
    private final NoiseSchedule schedule;

    /** On the run's noise schedule. */
    public HeldOutVMse(LatentSet test, LatentNormalizer norm, int count, long seed, Device device, NoiseSchedule schedule) {
        this.schedule = schedule;
        int n = Math.min(count, test.size());
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = VaeEvaluator.spaced(i, n, test.size()); // every class of a class-sorted split
        }
        LatentSet.Moments m = test.gather(idx, new boolean[n]);
        z0 = norm.normalize(m.mean()).to(device, torch.ScalarType.Float);
        labels = m.labels().to(device, torch.ScalarType.Long);
        long[] shape = Tensors.shape(m.mean());
        noise = torch.randn(new long[]{TIMES.length, shape[0], shape[1], shape[2], shape[3]},
                new GeneratorOptional(Seeds.generator(seed, Seeds.SAMPLING, 999_983)),
                new TensorOptions(torch.ScalarType.Float)).to(device, torch.ScalarType.Float);
        // Keep these three past the scope: it releases one reference to everything it saw.
        z0.retainReference();
        labels.retainReference();
        noise.retainReference();
        owner.close();
    }

    public int size() {
        return (int) z0.size(0);
    }

    /** Returns "mean" and "t0.1".."t0.9" for the given network (in eval mode). */
    public Map<String, Double> evaluate(Backbone net) {
        boolean training = net.module().is_training();
        net.module().train(false);
        VDenoiser denoiser = new VDenoiser(net::forward, schedule);
        Map<String, Double> out = new LinkedHashMap<>();
        double total = 0;
        try (InferenceMode mode = new InferenceMode()) {
            for (int k = 0; k < TIMES.length; k++) {
                double sum = 0;
                for (long start = 0; start < z0.size(0); start += BATCH) {
                    try (StepScope s = StepScope.open()) {
                        long len = Math.min(BATCH, z0.size(0) - start);
                        Tensor z = z0.narrow(0, start, len);
                        Tensor eps = noise.select(0, k).narrow(0, start, len);
                        Tensor t = torch.full(new long[]{len}, new Scalar(TIMES[k]), new TensorOptions(torch.ScalarType.Float))
                                .to(z.device(), torch.ScalarType.Float);
                        Tensor y = labels.narrow(0, start, len);
                        sum += denoiser.perSampleLoss(z, eps, t, y).sum().item_double();
                    }
                }
                double mse = sum / z0.size(0);
                out.put(String.format("t%.1f", TIMES[k]), mse);
                total += mse;
            }
        } finally {
            net.module().train(training);
        }
        Map<String, Double> result = new LinkedHashMap<>();
        result.put("mean", total / TIMES.length);
        result.putAll(out);
        return result;
    }

    @Override
    public void close() {
        z0.releaseReference();
        labels.releaseReference();
        noise.releaseReference();
    }
}
