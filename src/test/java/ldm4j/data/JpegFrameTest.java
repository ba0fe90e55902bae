package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import org.junit.jupiter.api.Test;

/** The JPEG frame header read from the bytes, against the JDK reader on every committed JPEG fixture. */
class JpegFrameTest {

    static List<Path> jpegs() throws IOException {
        try (Stream<Path> s = Stream.concat(Files.list(PixelFormatTest.DIR), Files.list(AdmCropTest.DIR))) {
            return s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
    }

    @Test
    void sizeAndComponentsMatchTheJdkReaderOnEveryFixture() throws IOException {
        List<Path> files = jpegs();
        assertTrue(files.size() >= 10, "fixtures: " + files);
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            JpegFrame frame = JpegFrame.of(b);
            assertNotNull(frame, f.toString());
            try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(b))) {
                ImageReader r = ImageIO.getImageReaders(in).next();
                r.setInput(in);
                assertEquals(r.getWidth(0), frame.width(), f + " width");
                assertEquals(r.getHeight(0), frame.height(), f + " height");
                int bands = r.getRawImageType(0).getSampleModel().getNumBands();
                assertEquals(bands, frame.components(), f + " components");
                r.dispose();
            }
            boolean cmyk = f.getFileName().toString().matches("(cmyk|ycck|jpeg_cmyk).*");
            assertEquals(!cmyk, frame.turboDecodable(), f.toString());
        }
    }

    @Test
    void malformedOrCutShortHeadersGiveNull() throws IOException {
        byte[] ok = Files.readAllBytes(PixelFormatTest.DIR.resolve("rgb_baseline.jpg"));
        JpegFrame frame = JpegFrame.of(ok);
        assertEquals(32, frame.width());
        assertEquals(24, frame.height());
        int sof = sofOffset(ok);
        assertNull(JpegFrame.of(Arrays.copyOf(ok, sof + 6)), "cut inside the frame header");
        assertNull(JpegFrame.of(Arrays.copyOf(ok, sof)), "cut before the frame header");
        assertNull(JpegFrame.of(new byte[]{(byte) 0xFF, (byte) 0xD8, 0x12, 0x34, 0, 0}), "no marker after SOI");
        assertNull(JpegFrame.of(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0, 0}), "not a JPEG");
        byte[] zeroLength = ok.clone();
        zeroLength[4] = 0;
        zeroLength[5] = 0;                                    // first segment's length 0 (< 2)
        assertNull(JpegFrame.of(zeroLength));
        byte[] dnl = ok.clone();
        dnl[sof + 5] = 0;
        dnl[sof + 6] = 0;                                     // height 0: declared later by a DNL marker
        assertFalse(JpegFrame.of(dnl).turboDecodable());
    }

    private static int sofOffset(byte[] b) {
        for (int i = 2; i + 1 < b.length; i++) {
            if ((b[i] & 255) == 0xFF && ((b[i + 1] & 255) == 0xC0 || (b[i + 1] & 255) == 0xC2)) {
                return i;
            }
        }
        throw new AssertionError("no SOF0/SOF2");
    }
}
