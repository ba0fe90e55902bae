package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * PilResample's fast loops against {@link PilResampleReference} (the plain restatement that matched PIL's fixtures):
 * byte-identical on random images, sizes (up, down, unchanged on either axis) and crop windows.
 */
class PilResampleTest {

    @Test
    void fastLoopsEqualTheReferenceOnRandomSizesAndWindows() {
        SplittableRandom rng = new SplittableRandom(23);
        for (int trial = 0; trial < 400; trial++) {
            int h = 1 + rng.nextInt(70);
            int w = 1 + rng.nextInt(70);
            byte[] px = new byte[3 * h * w];
            for (int i = 0; i < px.length; i++) {
                // mostly smooth with hard edges, so negative lobes over/undershoot and the clipping is exercised
                px[i] = (byte) (rng.nextInt(4) == 0 ? (rng.nextBoolean() ? 0 : 255) : rng.nextInt(256));
            }
            RawImage img = new RawImage(px, h, w);
            int outW = rng.nextInt(3) == 0 ? w : 1 + rng.nextInt(90);
            int outH = rng.nextInt(3) == 0 ? h : 1 + rng.nextInt(90);
            int ww = 1 + rng.nextInt(outW);
            int wh = 1 + rng.nextInt(outH);
            int x0 = rng.nextInt(outW - ww + 1);
            int y0 = rng.nextInt(outH - wh + 1);
            for (PilResample.Filter f : PilResample.Filter.values()) {
                RawImage got = PilResample.resize(img, outW, outH, f, x0, y0, ww, wh);
                RawImage want = PilResampleReference.resize(img, outW, outH, PilResampleReference.Filter.valueOf(f.name()),
                        x0, y0, ww, wh);
                String what = f + " " + w + "x" + h + " -> " + outW + "x" + outH + " window " + ww + "x" + wh + "+" + x0 + "+" + y0;
                assertEquals(want.height(), got.height(), what);
                assertEquals(want.width(), got.width(), what);
                assertArrayEquals(want.planes(), got.planes(), what);
            }
        }
    }

    @Test
    void windowTapsEqualTheWholeResizesTaps() {
        PilResample.Taps all = PilResample.taps(500, 341, PilResample.Filter.BICUBIC);
        PilResample.Taps part = PilResample.taps(500, 341, PilResample.Filter.BICUBIC, 42, 298);
        for (int i = 0; i < 256; i++) {
            assertEquals(all.first()[42 + i], part.first()[i]);
            assertEquals(all.count()[42 + i], part.count()[i]);
            for (int j = 0; j < all.ksize(); j++) {
                assertEquals(all.k()[(42 + i) * all.ksize() + j], part.k()[i * part.ksize() + j]);
            }
        }
    }
}
