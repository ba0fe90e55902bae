package ldm4j.sample;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import ldm4j.LdmException;
import ldm4j.data.ImageDecoder;

/**
 * SDEdit start images: any picture resized (bicubic) to the model's resolution, then 8-bit RGB to
 * floats in [-1, 1] exactly as the training data are ({@code v / 127.5 - 1}). Every image from
 * outside is checked by its declared size before decoding (the data's {@code data.maxPixels}).
 */
public final class InitImages {
    /** Files larger than this are refused before they are read. */
    public static final long MAX_FILE_BYTES = 256L << 20;

    private InitImages() {
    }

    public static SampleRequest.InitImage read(Path file, double strength, int width, int height, long maxPixels) {
        if (!Files.isRegularFile(file)) {
            throw new LdmException("--init " + file + " does not exist: give a PNG or JPEG image");
        }
        return of(decode(readBounded(file, "--init " + file), "--init " + file, maxPixels), strength, width, height);
    }

    /** The file's bytes, refused (naming {@code what}) when larger than {@link #MAX_FILE_BYTES}. */
    public static byte[] readBounded(Path file, String what) {
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new LdmException(what + " is " + size + " bytes, above the " + (MAX_FILE_BYTES >> 20)
                        + " MB an image may have: give a smaller image");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new LdmException(what + " cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "): check the file's permissions");
        }
    }

    /**
     * Decodes PNG or JPEG bytes after checking the declared width x height against {@code maxPixels}
     * (a small file may declare a huge image); {@code what} names the image in the one-line error.
     */
    public static BufferedImage decode(byte[] bytes, String what, long maxPixels) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (bytes.length == 0 || !readers.hasNext()) {
                throw new LdmException(what + " is not a PNG or JPEG image: give a PNG or JPEG");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                String big = ImageDecoder.oversize(what, reader.getWidth(0), reader.getHeight(0), maxPixels);
                if (big != null) {
                    throw new LdmException(big + ": give a smaller image (it is resized to the model's size anyway)");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof LdmException l) {
                throw l;
            }
            throw new LdmException(what + " is not a readable PNG or JPEG image (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "): give a PNG or JPEG");
        } catch (OutOfMemoryError e) {
            throw new LdmException(what + " does not fit in the Java heap when decoded: give a smaller image");
        }
    }

    public static SampleRequest.InitImage of(BufferedImage image, double strength, int width, int height) {
        BufferedImage rgb = resized(image, width, height);
        float[] chw = new float[3 * height * width];
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = rgb.getRGB(x, y);
                int i = y * width + x;
                chw[i] = ((p >> 16) & 255) / 127.5f - 1f;
                chw[plane + i] = ((p >> 8) & 255) / 127.5f - 1f;
                chw[2 * plane + i] = (p & 255) / 127.5f - 1f;
            }
        }
        return new SampleRequest.InitImage(chw, height, width, strength);
    }

    /** The image as RGB at width x height (unchanged pixels when it already has that size). */
    static BufferedImage resized(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            if (image.getWidth() != width || image.getHeight() != height) {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            }
            g.drawImage(image, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
