package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {

    /** A valid PNG header declaring width x height RGB pixels, with a few compressed bytes of data. */
    static byte[] pngHeader(int width, int height) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[]{8, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        Deflater d = new Deflater();
        d.setInput(new byte[64 * 1024]); // zeros: a real bomb compresses 1.2 GB into about 1 MB the same way
        d.finish();
        byte[] z = new byte[1024];
        int n = d.deflate(z);
        chunk(out, "IDAT", java.util.Arrays.copyOf(z, n));
        chunk(out, "IEND", new byte[0]);
        return b.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    @Test
    void decompressionBombIsRefusedBeforeDecodingNamingTheFile(@TempDir Path dir) throws IOException {
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, pngHeader(20000, 20000));
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        DataException e = assertThrows(DataException.class,
                () -> new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS).decode(bomb));
        assertTrue(e.getMessage().startsWith(bomb.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("20000x20000 = 400,000,000 pixels"), e.getMessage());
        assertTrue(e.getMessage().contains("data.maxPixels = 89,478,485"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(after - before < 200L << 20, "no 1.2 GB raster was allocated");
        assertEquals(new ImageDecoder.Size(20000, 20000), new ImageDecoder(1).size(bomb)); // header only
    }

    @Test
    void limitIsInclusive() {
        Path f = PixelFormatTest.DIR.resolve("rgb8.png"); // 14x10 = 140 pixels
        assertEquals(14, new ImageDecoder(140).decode(f).width());
        DataException e = assertThrows(DataException.class, () -> new ImageDecoder(139).decode(f));
        assertTrue(e.getMessage().contains("--set data.maxPixels=140"), e.getMessage());
    }

    @Test
    void emptyTruncatedAndForeignFilesAreNamed(@TempDir Path dir) throws IOException {
        ImageDecoder d = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        assertTrue(assertThrows(DataException.class, () -> d.decode(empty)).getMessage()
                .equals(empty + " is empty (0 bytes): replace or remove it"));
        byte[] jpeg = Files.readAllBytes(PixelFormatTest.DIR.resolve("rgb_baseline.jpg"));
        Path truncated = Files.write(dir.resolve("cut.jpg"), java.util.Arrays.copyOf(jpeg, 200));
        DataException t = assertThrows(DataException.class, () -> d.decode(truncated));
        assertTrue(t.getMessage().startsWith(truncated + " is not a readable PNG/JPEG image"), t.getMessage());
        Path text = Files.writeString(dir.resolve("notes.png"), "hello");
        assertTrue(assertThrows(DataException.class, () -> d.decode(text)).getMessage()
                .startsWith(text + " is not a readable PNG/JPEG image (no decoder"));
    }
}
