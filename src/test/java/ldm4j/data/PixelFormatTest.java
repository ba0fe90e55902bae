package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pixel format against PIL (fixtures from scripts/fixtures/make_pixel_format_fixtures.py): lossless
 * formats and RGB/grey JPEGs (libjpeg-turbo through OpenCV, PIL's own decoder) must match exactly; CMYK/YCCK
 * JPEGs, and every JPEG on the JDK fallback path, within 2 levels, the spread between two IDCT/upsampling
 * implementations (libjpeg-turbo in PIL, libjpeg 6b in the JDK).
 */
class PixelFormatTest {
    static final Path DIR = Path.of("src/test/resources/fixtures/data/formats");
    static final int JPEG_TOLERANCE = 2;

    static Stream<Arguments> cases() {
        Stream<Arguments> png = Stream.of("rgb8", "rgba8", "gray_alpha8", "palette", "palette_transparency", "gray1",
                "gray2", "gray4", "gray8", "gray8_flat32", "gray8_flat64", "gray8_flat128", "gray16", "rgb16")
                .map(n -> Arguments.of(n + ".png", 0));
        Stream<Arguments> jpeg = JPEGS.stream().map(n -> Arguments.of(n + ".jpg", n.matches("cmyk|ycck") ? JPEG_TOLERANCE : 0));
        return Stream.concat(png, jpeg);
    }

    static final List<String> JPEGS = List.of("rgb_baseline", "rgb_444", "rgb_progressive",
            "gray_jpeg", "cmyk", "ycck", "orientation2", "orientation3", "orientation4", "orientation5", "orientation6",
            "orientation7", "orientation8");

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesLikePil(String file, int tolerance) throws IOException {
        compare(new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS), file, tolerance);
    }

    /** The fallback: when the libjpeg-turbo path declines, the JDK's decoder gives PIL's pixels within 2 levels. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdkCases")
    void jdkFallbackDecodesLikePil(String file) throws IOException {
        compare(new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, (jpeg, w, h) -> null), file, JPEG_TOLERANCE);
    }

    static Stream<String> jdkCases() {
        return JPEGS.stream().map(n -> n + ".jpg");
    }

    private static void compare(ImageDecoder decoder, String file, int tolerance) throws IOException {
        RawImage img = decoder.decode(DIR.resolve(file));
        byte[] want = Files.readAllBytes(DIR.resolve(file.substring(0, file.lastIndexOf('.')) + ".rgb")); // (H, W, 3)
        int h = img.height();
        int w = img.width();
        assertEquals(want.length, 3 * h * w, file + ": size " + w + "x" + h + " differs from PIL's");
        int max = 0;
        double sum = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs((img.planes()[c * h * w + y * w + x] & 255) - (want[(y * w + x) * 3 + c] & 255));
                    max = Math.max(max, d);
                    sum += d;
                }
            }
        }
        System.out.printf("pixel format %-26s %3dx%-3d max |diff| to PIL %d, mean %.3f%n", file, w, h, max, sum / want.length);
        assertTrue(max <= tolerance, file + ": max |diff| to PIL = " + max + " > " + tolerance);
    }
}
