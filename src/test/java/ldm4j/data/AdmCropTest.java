package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ADM's center_crop_arr against PIL (fixtures from scripts/fixtures/make_adm_crop_fixtures.py): on the pixels PIL
 * decoded (stored losslessly as PNG) the crop must be identical; from the JPEG files themselves, ldm4j's decode +
 * crop is compared with PIL's and the spread is printed.
 */
class AdmCropTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/data/admcrop");
    static final ImageDecoder DECODER = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

    static Stream<Arguments> cases() throws IOException {
        return Files.readAllLines(DIR.resolve("cases.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.trim().split("\\s+"))
                .map(p -> Arguments.of(p[0], Integer.parseInt(p[1])));
    }

    @ParameterizedTest(name = "{0} to {1}")
    @MethodSource("cases")
    void matchesPilExactly(String name, int size) {
        RawImage in = DECODER.decode(DIR.resolve(name + ".in.png"));
        RawImage want = DECODER.decode(DIR.resolve(name + ".out.png"));
        RawImage got = AdmCrop.apply(in, size);
        assertEquals(size, got.height());
        assertEquals(size, got.width());
        int[] diff = diff(got, want);
        System.out.printf("adm crop %-14s %3dx%-3d -> %d: max |diff| to PIL %d, %d pixels differ%n", name, in.width(),
                in.height(), size, diff[0], diff[1]);
        assertEquals(0, diff[0], name + ": differs from PIL's center_crop_arr in " + diff[1] + " values");
    }

    /**
     * JPEG decode + crop against PIL's decode + crop: exact for RGB and grey (both libjpeg-turbo), within 2 levels
     * for CMYK (PixelFormatTest).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jpegs")
    void jpegDecodeThenCropIsCloseToPil(String name, int size) {
        RawImage got = AdmCrop.apply(DECODER.decode(DIR.resolve(name + ".jpg")), size);
        RawImage want = DECODER.decode(DIR.resolve(name + ".out.png"));
        int[] decode = diff(DECODER.decode(DIR.resolve(name + ".jpg")), DECODER.decode(DIR.resolve(name + ".in.png")));
        int[] diff = diff(got, want);
        System.out.printf("jpeg %-12s decode max |diff| to PIL %d (%d values differ); after the crop max %d (%d differ)%n",
                name, decode[0], decode[1], diff[0], diff[1]);
        int tolerance = name.contains("cmyk") ? PixelFormatTest.JPEG_TOLERANCE : 0;
        assertTrue(diff[0] <= tolerance, name + ": max |diff| " + diff[0] + " > " + tolerance);
    }

    static Stream<Arguments> jpegs() throws IOException {
        return cases().filter(a -> Files.exists(DIR.resolve(a.get()[0] + ".jpg")));
    }

    @Test
    void boxAndBicubicTapsSumToOne() {
        for (PilResample.Filter f : PilResample.Filter.values()) {
            for (int[] io : new int[][]{{389, 194}, {17, 32}, {500, 341}, {7, 3}}) {
                PilResample.Taps t = PilResample.taps(io[0], io[1], f);
                for (int i = 0; i < io[1]; i++) {
                    long sum = 0;
                    for (int j = 0; j < t.count()[i]; j++) {
                        sum += t.k()[i * t.ksize() + j];
                    }
                    assertTrue(Math.abs(sum - (1 << PilResample.PRECISION_BITS)) <= t.count()[i], f + " " + sum);
                }
            }
        }
    }

    /** {max |a - b|, number of differing values}. */
    static int[] diff(RawImage a, RawImage b) {
        assertEquals(b.width(), a.width(), "width");
        assertEquals(b.height(), a.height(), "height");
        int max = 0;
        int n = 0;
        for (int i = 0; i < a.planes().length; i++) {
            int d = Math.abs((a.planes()[i] & 255) - (b.planes()[i] & 255));
            max = Math.max(max, d);
            n += d > 0 ? 1 : 0;
        }
        return new int[]{max, n};
    }
}
