package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The libjpeg-turbo (OpenCV) JPEG path: which files reach it, that the pixel budget is checked before it runs,
 * that a declined decode falls back to the JDK, and that it declines what it cannot decode faithfully.
 * Pixel equality with PIL is in PixelFormatTest and AdmCropTest.
 */
class TurboJpegTest {
    static final Path DIR = PixelFormatTest.DIR;

    /** Records the calls and declines, so the JDK decodes. */
    static final class Spy implements TurboJpeg.Decoder {
        final List<String> calls = new ArrayList<>();

        @Override
        public RawImage decode(byte[] jpeg, int width, int height) {
            calls.add(width + "x" + height);
            return null;
        }
    }

    @Test
    void rgbAndGreyJpegsReachTheFastPathPngAndCmykDoNot() {
        Spy spy = new Spy();
        ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, spy);
        decoder.decode(DIR.resolve("rgb_baseline.jpg"));
        decoder.decode(DIR.resolve("gray_jpeg.jpg"));
        assertEquals(List.of("32x24", "32x24"), spy.calls);
        decoder.decode(DIR.resolve("rgb8.png"));
        decoder.decode(DIR.resolve("cmyk.jpg"));
        decoder.decode(DIR.resolve("ycck.jpg"));
        assertEquals(2, spy.calls.size(), "PNG and CMYK/YCCK must stay on the JDK path: " + spy.calls);
    }

    @Test
    void declinedDecodeFallsBackToTheJdkWithOrientationApplied() {
        RawImage jdk = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, new Spy()).decode(DIR.resolve("orientation6.jpg"));
        RawImage fast = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decode(DIR.resolve("orientation6.jpg"));
        assertEquals(fast.height(), jdk.height());
        assertEquals(fast.width(), jdk.width());
        int max = 0;
        for (int i = 0; i < jdk.planes().length; i++) {
            max = Math.max(max, Math.abs((jdk.planes()[i] & 255) - (fast.planes()[i] & 255)));
        }
        assertTrue(max <= PixelFormatTest.JPEG_TOLERANCE, "JDK fallback vs libjpeg-turbo: max |diff| " + max);
    }

    @Test
    void bombIsRefusedBeforeTheFastPathRuns() {
        TurboJpeg.Decoder mustNotRun = (jpeg, w, h) -> {
            throw new AssertionError("decoded a " + w + "x" + h + " JPEG above the pixel budget");
        };
        DataException e = assertThrows(DataException.class,
                () -> new ImageDecoder(32 * 24 - 1, mustNotRun).decode(DIR.resolve("rgb_baseline.jpg")));
        assertTrue(e.getMessage().contains("declares 32x24"), e.getMessage());
    }

    @Test
    void openCvDeclinesWhatItCannotDecodeAsDeclared() throws IOException {
        byte[] jpeg = Files.readAllBytes(DIR.resolve("rgb_baseline.jpg"));
        RawImage ok = TurboJpeg.decode(jpeg, 32, 24);
        assertNotNull(ok, "OpenCV's natives must load on the build platform");
        assertEquals(24, ok.height());
        assertNull(TurboJpeg.decode(jpeg, 24, 32), "size other than the header's");
        assertNull(TurboJpeg.decode(new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3}, 32, 24), "garbage");
        assertArrayEquals(ok.planes(), new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decode(jpeg, "x").planes());
    }
}
