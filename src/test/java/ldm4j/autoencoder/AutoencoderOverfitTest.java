package ldm4j.autoencoder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import ldm4j.config.AutoencoderConfig;
import ldm4j.nn.StateDict;
import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Overfit test (STYLE.md 15d). A small autoencoder must overfit 32 fixed smooth synthetic 64x64 images with MSE + 1e-4 KL: a test
 * that the encoder, decoder, sampling and KL wire together into something trainable.
 */
@Tag("slow") // an overfit run: left out of ./mvnw test -Pfast
class AutoencoderOverfitTest {
    static final int N = 32;
    static final int SIZE = 64;
    static final int BATCH = 8;
    static final int STEPS = 250;

    /**
     * Smooth images in [-1, 1]: a random linear colour gradient, a low-frequency sinusoid and a
     * soft-edged disc of a random colour, from a seeded generator.
     */
    static float[] syntheticImages(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[N * 3 * SIZE * SIZE];
        for (int n = 0; n < N; n++) {
            double cx = r.nextDouble(0.2, 0.8), cy = r.nextDouble(0.2, 0.8), rad = r.nextDouble(0.1, 0.3);
            double fx = r.nextDouble(0.5, 3), fy = r.nextDouble(0.5, 3), phase = r.nextDouble(0, 2 * Math.PI);
            for (int c = 0; c < 3; c++) {
                double gx = r.nextDouble(-0.6, 0.6), gy = r.nextDouble(-0.6, 0.6), amp = r.nextDouble(0, 0.4);
                double disc = r.nextDouble(-1, 1);
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        double u = (x + 0.5) / SIZE, v = (y + 0.5) / SIZE;
                        double bg = gx * (u - 0.5) * 2 + gy * (v - 0.5) * 2
                                + amp * Math.sin(2 * Math.PI * (fx * u + fy * v) + phase);
                        double d = Math.hypot(u - cx, v - cy);
                        double inside = 1 / (1 + Math.exp((d - rad) / 0.02)); // soft edge, ~1 px wide
                        double val = bg * (1 - inside) + disc * inside;
                        out[((n * 3 + c) * SIZE + y) * SIZE + x] = (float) Math.max(-1, Math.min(1, val));
                    }
                }
            }
        }
        return out;
    }

    static double mse(Autoencoder vae, Tensor images) {
        try (StepScope s = StepScope.open(); NoGradGuard g = new NoGradGuard()) {
            return torch.mse_loss(vae.decode(vae.encode(images).mode()), images).item_double();
        }
    }

    @Test
    void overfitsThirtyTwoImages() {
        torch.set_num_threads(2);
        torch.manual_seed(0);
        Autoencoder vae = new Autoencoder(new AutoencoderConfig(16, List.of(1, 2, 2), 1, 4, true, 8, 1));
        Tensor images = Tensors.fromFloats(syntheticImages(7), N, 3, SIZE, SIZE); // (N, 3, 64, 64)
        Generator gen = torch.createCPUGenerator(1);
        AdamW opt = new AdamW(vae.parameters(), new AdamWOptions(2e-3));
        double initial = mse(vae, images);
        long start = System.nanoTime();
        double last = Double.NaN;
        for (int step = 0; step < STEPS; step++) {
            try (StepScope s = StepScope.open()) {
                int from = (step * BATCH) % N;
                Tensor x = images.narrow(0, from, BATCH);                // (B, 3, 64, 64)
                DiagonalGaussian post = vae.encode(x);                  // (B, 4, 16, 16)
                Tensor xhat = vae.decode(post.sample(gen));             // (B, 3, 64, 64)
                Tensor loss = torch.mse_loss(xhat, x).add(post.kl().mul(new Scalar(1e-4)));
                opt.zero_grad();
                loss.backward();
                opt.step();
                last = loss.item_double();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double fin = mse(vae, images);
        System.out.printf("VAE overfit: %d params, initial MSE %.4f, final MSE %.4f (last train loss %.4f) after %d "
                + "steps of batch %d in %.1f s%n", StateDict.parameterCount(vae), initial, fin, last, STEPS, BATCH, seconds);
        // measured: 0.231 -> 0.013 (250 steps, ~21 s on 2 cores); the bar leaves ~35% headroom
        assertTrue(fin < initial / 10, "final MSE " + fin + " is not 10x below the initial " + initial);
        assertTrue(fin < 0.02, "final MSE " + fin + " >= 0.02");
    }
}
