package ldm4j.torch;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import javax.imageio.ImageIO;

import ldm4j.io.AtomicFiles;

import org.bytedeco.pytorch.Tensor;

/** Lays out a batch of images as a grid and writes it as PNG. */
public final class ImageGrid {
    private ImageGrid() {
    }

    /**
     * Builds a grid from images in [-1, 1].
     *
     * @param images (B, 3, H, W) tensor on any device, values in [-1, 1] (clamped)
     * @param columns images per row
     */
    public static BufferedImage of(Tensor images, int columns, int padding) {
        long[] s = Tensors.shape(images); // (B, 3, H, W)
        if (s.length != 4 || s[1] != 3) {
            throw new IllegalArgumentException("expected images of shape (B, 3, H, W), got " + Arrays.toString(s));
        }
        return of(Tensors.toFloats(images), (int) s[0], (int) s[2], (int) s[3], columns, padding);
    }

    /** Same as {@link #of(Tensor, int, int)} for a row-major (B, 3, H, W) float array in [-1, 1]. */
    public static BufferedImage of(float[] chw, int count, int height, int width, int columns, int padding) {
        if (count <= 0 || columns <= 0) {
            throw new IllegalArgumentException("need at least one image and one column");
        }
        int rows = (count + columns - 1) / columns;
        int gw = columns * width + (columns + 1) * padding;
        int gh = rows * height + (rows + 1) * padding;
        BufferedImage grid = new BufferedImage(gw, gh, BufferedImage.TYPE_INT_RGB);
        int plane = height * width;
        for (int b = 0; b < count; b++) {
            int x0 = padding + (b % columns) * (width + padding);
            int y0 = padding + (b / columns) * (height + padding);
            int base = b * 3 * plane;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int i = base + y * width + x;
                    int r = toByte(chw[i]);
                    int g = toByte(chw[i + plane]);
                    int bl = toByte(chw[i + 2 * plane]);
                    grid.setRGB(x0 + x, y0 + y, (r << 16) | (g << 8) | bl);
                }
            }
        }
        return grid;
    }

    /** [-1, 1] to 0..255 with rounding, as torchvision's save_image does. */
    public static int toByte(float v) {
        float u = (v + 1f) * 127.5f + 0.5f;
        return u <= 0f ? 0 : u >= 255f ? 255 : (int) u;
    }

    /** Writes a PNG atomically ({@link AtomicFiles}: temporary file in the same folder, fsync, rename). */
    public static void writePng(BufferedImage image, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFiles.writeStream(file, out -> {
                if (!ImageIO.write(image, "png", out)) {
                    throw new IOException("no PNG writer available");
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
