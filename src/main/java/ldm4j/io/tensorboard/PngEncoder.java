package ldm4j.io.tensorboard;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Encodes images as PNG with the JDK's ImageIO writer, entirely in memory (no ImageIO disk cache).
 *
 * <p>{@link #standard()} uses ImageIO's default deflate level. {@link #uncompressed()} stores the
 * pixel data in deflate "stored" blocks: larger, but independent of the platform's zlib
 * implementation, which makes byte-exact test fixtures portable.
 */
final class PngEncoder {

    private final boolean compress;

    private PngEncoder(boolean compress) {
        this.compress = compress;
    }

    static PngEncoder standard() {
        return new PngEncoder(true);
    }

    static PngEncoder uncompressed() {
        return new PngEncoder(false);
    }

    byte[] encode(BufferedImage image) throws IOException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IOException("no ImageIO PNG writer available in this JDK");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (!compress) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(1.0f); // quality 1.0 == deflate level 0 (stored)
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
