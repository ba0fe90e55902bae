package ldm4j.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class AugmentTest {
    /** Image values encode (channel, row, column) so that a crop's offset can be read back. */
    static Tensor coded(int b, int h, int w) {
        float[] v = new float[b * 3 * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return Tensors.fromFloats(v, b, 3, h, w);
    }

    @Test
    void withoutPaddingOnlyFlipsAndEachImageIsItselfOrItsMirror() {
        Tensor x = coded(16, 5, 7);
        float[] out = Tensors.toFloats(Augment.cropAndFlip(x, 0, new SplittableRandom(1)));
        float[] in = Tensors.toFloats(x);
        float[] mirrored = Tensors.toFloats(x.flip(3));
        int per = 3 * 5 * 7;
        int flips = 0;
        for (int i = 0; i < 16; i++) {
            float[] o = Arrays.copyOfRange(out, i * per, (i + 1) * per);
            boolean same = Arrays.equals(o, Arrays.copyOfRange(in, i * per, (i + 1) * per));
            boolean flip = Arrays.equals(o, Arrays.copyOfRange(mirrored, i * per, (i + 1) * per));
            assertTrue(same ^ flip, "image " + i + " is the original or its mirror");
            flips += flip ? 1 : 0;
        }
        assertTrue(flips > 2 && flips < 14, "about half are flipped: " + flips);
    }

    @Test
    void cropsAreTranslationsWithinThePaddingAndReproducible() {
        int p = 4;
        Tensor x = coded(64, 12, 12);
        Tensor a = Augment.cropAndFlip(x, p, new SplittableRandom(7));
        Tensor b = Augment.cropAndFlip(x, p, new SplittableRandom(7));
        assertArrayEquals(Tensors.toFloats(a), Tensors.toFloats(b), "same generator, same crops");
        assertArrayEquals(new long[]{64, 3, 12, 12}, Tensors.shape(a));
        // every output is one of the (2p+1)^2 x 2 candidate crops of the reflect-padded input
        Tensor padded = torch.reflection_pad2d(x, p, p, p, p);
        Set<String> offsets = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            float[] got = Tensors.toFloats(a.select(0, i));
            String found = null;
            for (int dy = 0; dy <= 2 * p && found == null; dy++) {
                for (int dx = 0; dx <= 2 * p && found == null; dx++) {
                    Tensor crop = padded.select(0, i).narrow(1, dy, 12).narrow(2, dx, 12);
                    if (Arrays.equals(got, Tensors.toFloats(crop.contiguous()))
                            || Arrays.equals(got, Tensors.toFloats(crop.flip(2).contiguous()))) {
                        found = dy + "," + dx;
                    }
                }
            }
            assertTrue(found != null, "image " + i + " is a padded crop");
            offsets.add(found);
        }
        assertTrue(offsets.size() > 20, "offsets vary: " + offsets.size() + " distinct of 81");
    }
}
