package ldm4j.sample;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import ldm4j.LdmException;

/**
 * SDEdit start images: any picture resized (bicubic) to the model's resolution, then 8-bit RGB to
 * floats in [-1, 1] exactly as the training data are ({@code v / 127.5 - 1}).
 */
public final class InitImages {
    private InitImages() {
    }

    public static SampleRequest.InitImage read(Path file, double strength, int width, int height) {
        if (!Files.isRegularFile(file)) {
            throw new LdmException("--init " + file + " does not exist: give a PNG or JPEG image");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new LdmException("--init " + file + " cannot be read: " + e.getMessage());
        }
        if (img == null) {
            throw new LdmException("--init " + file + " is not an image ImageIO can read: give a PNG or JPEG");
        }
        return of(img, strength, width, height);
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
