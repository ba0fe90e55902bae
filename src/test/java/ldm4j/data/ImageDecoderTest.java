package ldm4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {

    @Test
    void decompressionBombIsRefusedBeforeDecodingNamingTheFile(@TempDir Path dir) throws IOException {
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, SyntheticData.pngDeclaring(20000, 20000));
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
        Path truncated = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(jpeg, 200));
        DataException t = assertThrows(DataException.class, () -> d.decode(truncated));
        assertTrue(t.getMessage().startsWith(truncated + " is not a readable PNG/JPEG image"), t.getMessage());
        Path text = Files.writeString(dir.resolve("notes.png"), "hello");
        assertTrue(assertThrows(DataException.class, () -> d.decode(text)).getMessage()
                .startsWith(text + " is not a readable PNG/JPEG image (no decoder"));
    }
}
