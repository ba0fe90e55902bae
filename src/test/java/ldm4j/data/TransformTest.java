package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import ldm4j.io.HostTensor;
import ldm4j.io.Safetensors;
import ldm4j.io.SafetensorsFile;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;

/** Golden test against PyTorch's F.interpolate(antialias=True) (scripts/fixtures/make_transform_fixtures.py). */
class TransformTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/data/transform.safetensors");

    static List<RawImage> images(HostTensor u8) {
        long[] s = u8.shape(); // (B, 3, H, W)
        int per = (int) (3 * s[2] * s[3]);
        byte[] all = new byte[(int) u8.numel()];
        u8.data().get(all);
        List<RawImage> out = new ArrayList<>();
        for (int b = 0; b < s[0]; b++) {
            out.add(new RawImage(Arrays.copyOfRange(all, b * per, (b + 1) * per), (int) s[2], (int) s[3]));
        }
        return out;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void matchesPyTorchAntialiasedResize() throws Exception {
        try (SafetensorsFile f = Safetensors.read(FIXTURE); PointerScope scope = new PointerScope()) {
            List<RawImage> x = images(f.get("input"));
            boolean[] none = new boolean[x.size()];
            float[] bicubic = new Transform(64, "bicubic").apply(x, none);
            float[] bilinear = new Transform(64, "bilinear").apply(x, none);
            assertTrue(maxAbsDiff(f.get("bicubic64").toFloats(), bicubic) < 1e-5);
            assertTrue(maxAbsDiff(f.get("bilinear64").toFloats(), bilinear) < 1e-5);
            assertTrue(maxAbsDiff(bicubic, bilinear) > 0.05, "the two filters differ");
            List<RawImage> big = images(f.get("input_big"));
            float[] down = new Transform(64, "bicubic").apply(big, new boolean[1]);
            assertTrue(maxAbsDiff(f.get("bicubic_down").toFloats(), down) < 1e-5);
        }
    }

    @Test
    void flipMirrorsEachRowOfEachPlane() {
        byte[] p = new byte[3 * 2 * 3];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) i;
        }
        byte[] f = Transform.flipPlanes(new RawImage(p, 2, 3));
        assertArrayEquals(new byte[]{2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 17, 16, 15}, f);
    }

    @Test
    void admBatchIsTheCropMirroredWhereAskedAndScaledToUnitRange() {
        SplittableRandom rng = new SplittableRandom(5);
        List<RawImage> imgs = new ArrayList<>();
        for (int[] hw : new int[][]{{37, 29}, {20, 45}}) {
            byte[] px = new byte[3 * hw[0] * hw[1]];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) rng.nextInt(256);
            }
            imgs.add(new RawImage(px, hw[0], hw[1]));
        }
        boolean[] flips = {true, false};
        float[] got = new Transform(12, "bicubic", "adm").apply(imgs, flips);
        for (int k = 0; k < 2; k++) {
            RawImage sq = AdmCrop.apply(imgs.get(k), 12);
            byte[] want = flips[k] ? Transform.flipPlanes(sq) : sq.planes();
            for (int j = 0; j < want.length; j++) {
                assertEquals((want[j] & 255) / 127.5f - 1f, got[k * want.length + j], 0f, "image " + k + " value " + j);
            }
        }
    }

    @Test
    void sameSizeIsOnlyRescaledAndMixedSizesWork() {
        byte[] a = new byte[3 * 4 * 4];
        Arrays.fill(a, (byte) 255);
        byte[] b = new byte[3 * 8 * 8];
        try (PointerScope scope = new PointerScope()) {
            float[] out = new Transform(4, "bicubic").apply(List.of(new RawImage(a, 4, 4), new RawImage(b, 8, 8)),
                    new boolean[2]);
            for (int i = 0; i < 48; i++) {
                assertEquals(1f, out[i], 1e-6);
                assertEquals(-1f, out[48 + i], 1e-6);
            }
        }
    }
}
