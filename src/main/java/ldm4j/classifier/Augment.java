package ldm4j.classifier;

import java.util.random.RandomGenerator;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Training augmentation of the classifier: a random crop of the reflect-padded image (a translation by
 * up to {@code padding} pixels) and a random horizontal flip, drawn per image from the generator passed
 * in (reproducible, no hidden state).
 */
public final class Augment {
    private Augment() {
    }

    /** (B, 3, H, W) -> (B, 3, H, W): per image, a crop at offset (dy, dx) in [0, 2p] and a coin-flip mirror. */
    public static Tensor cropAndFlip(Tensor x, int padding, RandomGenerator rng) {
        long b = x.size(0);
        long h = x.size(2);
        long w = x.size(3);
        Tensor padded = padding > 0 ? torch.reflection_pad2d(x, padding, padding, padding, padding) : x; // (B, 3, H+2p, W+2p)
        TensorVector out = new TensorVector();
        for (long i = 0; i < b; i++) {
            int dy = padding > 0 ? rng.nextInt(2 * padding + 1) : 0;
            int dx = padding > 0 ? rng.nextInt(2 * padding + 1) : 0;
            Tensor img = padded.select(0, i).narrow(1, dy, h).narrow(2, dx, w); // (3, H, W)
            out.push_back(rng.nextBoolean() ? img.flip(2) : img);
        }
        return torch.stack(out);                                                  // (B, 3, H, W)
    }
}
