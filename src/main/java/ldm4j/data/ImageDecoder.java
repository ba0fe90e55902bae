package ldm4j.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.color.ColorSpace;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

import javax.imageio.ImageIO;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

import org.w3c.dom.Node;

import ldm4j.config.DataConfig;

/**
 * Decodes a PNG or JPEG file into 8-bit planar sRGB, with the values PIL's {@code Image.convert("RGB")}
 * gives (checked against committed PIL fixtures):
 * <ul>
 *   <li>grayscale (1, 2, 4, 8 and 16 bit) is copied to R = G = B without the JDK's linear-gray to sRGB gamma
 *   conversion ({@code getRGB} turns a flat 32 into 99);</li>
 *   <li>16-bit samples become {@code round(v * 255 / 65535)};</li>
 *   <li>alpha (RGBA, gray + alpha, palette transparency) is composited onto white:
 *   {@code round((c * a + 255 * (255 - a)) / 255)}, so transparent regions look as viewers show them instead of
 *   the arbitrary colour stored under alpha 0;</li>
 *   <li>CMYK and YCCK JPEGs are read by the TwelveMonkeys plug-in and converted with PIL's formula
 *   {@code R = (255 - C) * (255 - K) / 255} (Adobe's inverted storage undone);</li>
 *   <li>EXIF orientation (JPEG APP1) is applied, as PIL's {@code ImageOps.exif_transpose}.</li>
 * </ul>
 * The declared pixel count is checked before decoding, so a small file declaring a huge image (a
 * decompression bomb) is refused without allocating it. RGB and grey JPEGs are decoded by libjpeg-turbo through
 * OpenCV ({@link TurboJpeg}: PIL's exact pixels, 2-3x the JDK's speed); CMYK/YCCK JPEGs, PNGs, and any JPEG
 * OpenCV declines (or a platform without its natives) go through ImageIO.
 */
public final class ImageDecoder {
    /** PIL's {@code Image.MAX_IMAGE_PIXELS}: about 89.5 megapixels, e.g. 9459x9459 (~270 MB of 8-bit RGB). */
    public static final long DEFAULT_MAX_PIXELS = DataConfig.DEFAULT_MAX_PIXELS;

    private final long maxPixels;
    private final TurboJpeg.Decoder turbo;

    public ImageDecoder(long maxPixels) {
        this(maxPixels, TurboJpeg.orNone());
    }

    /** With another fast JPEG path (tests: one that declines, or one that must not be reached). */
    ImageDecoder(long maxPixels, TurboJpeg.Decoder turbo) {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive");
        }
        this.maxPixels = maxPixels;
        this.turbo = turbo;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** The declared width and height (header only, nothing decoded). */
    public record Size(int width, int height) {
    }

    /** Reads only the header; a DataException names the file when it is not a readable image. */
    public Size size(Path file) {
        byte[] bytes = read(file);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(file, in, bytes.length);
            try {
                return new Size(reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, e);
        }
    }

    /** Decodes a file to planar 8-bit RGB; a DataException names the file and the problem. */
    public RawImage decode(Path file) {
        return decode(read(file), file.toString());
    }

    /** Decodes an image file's bytes (e.g. a tar member); {@code file} names it in errors. */
    public RawImage decode(byte[] bytes, String file) {
        JpegFrame frame = isJpeg(bytes) ? JpegFrame.of(bytes) : null;
        if (frame != null && frame.turboDecodable()) {          // the header from the bytes: no ImageIO reader
            String big = oversize(file, frame.width(), frame.height(), maxPixels);
            if (big != null) {
                throw new DataException(big + ": shrink the image, remove it, or raise --set data.maxPixels="
                        + (long) frame.width() * frame.height());
            }
            try {
                RawImage fast = turbo.decode(bytes, frame.width(), frame.height());
                if (fast != null) {
                    return Orientation.apply(fast, Orientation.ofJpeg(bytes));
                }
            } catch (OutOfMemoryError e) {
                throw new DataException(file + " does not fit in the Java heap when decoded: lower data.maxPixels, "
                        + "shrink the image, or raise -Xmx", e);
            }
        }
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(file, in, bytes.length);
            try {
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                String big = oversize(file.toString(), w, h, maxPixels);
                if (big != null) {
                    throw new DataException(big + ": shrink the image, remove it, or raise --set data.maxPixels=" + w * h);
                }
                if (isCmyk(reader)) {
                    return Orientation.apply(readCmyk(reader), Orientation.ofJpeg(bytes));
                }
                if (frame == null && isJpeg(bytes)) { // segments JpegFrame gave up on: libjpeg-turbo may still read them
                    RawImage fast = turbo.decode(bytes, (int) w, (int) h);
                    if (fast != null) {
                        return Orientation.apply(fast, Orientation.ofJpeg(bytes));
                    }
                }
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw unreadable(file, e);
        } catch (OutOfMemoryError e) {
            throw new DataException(file + " does not fit in the Java heap when decoded: lower data.maxPixels, "
                    + "shrink the image, or raise -Xmx", e);
        }
        RawImage rgb = toPlanes(img);
        return Orientation.apply(rgb, Orientation.ofJpeg(bytes));
    }

    /**
     * Null when a declared {@code w x h} is within {@code maxPixels}; else the refusal naming {@code source}
     * (without the fix, which depends on where the image came from). Every decoder of outside images asks first.
     */
    public static String oversize(String source, long w, long h, long maxPixels) {
        if (w * h <= maxPixels) {
            return null;
        }
        return source + " declares " + w + "x" + h + " = " + String.format("%,d", w * h) + " pixels, above data.maxPixels = "
                + String.format("%,d", maxPixels) + " (a decompression-bomb guard)";
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DataException("cannot read " + file + ": " + e.getMessage() + ": check the file's permissions", e);
        }
    }

    private static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 255) == 0xFF && (b[1] & 255) == 0xD8 && (b[2] & 255) == 0xFF;
    }

    /** True for a JPEG with 4 channels: CMYK or YCCK (its raw type's colour space is CMYK). */
    private static boolean isCmyk(ImageReader reader) throws IOException {
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        return raw != null && raw.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK;
    }

    /**
     * A CMYK or YCCK JPEG as PIL reads it: the stored samples (the reader's own ICC conversion is skipped),
     * YCCK's Y, Cb, Cr turned back into C, M, Y with the JFIF equations, Adobe's inversion undone, then
     * R = (255 - C)(255 - K) / 255.
     */
    private static RawImage readCmyk(ImageReader reader) throws IOException {
        IIOMetadata meta = reader.getImageMetadata(0);
        int transform = -1; // no Adobe APP14 segment
        if (meta != null && meta.isStandardMetadataFormatSupported()) {
            Node tree = meta.getAsTree("javax_imageio_jpeg_image_1.0");
            transform = adobeTransform(tree);
        }
        Raster r = reader.readRaster(0, null);
        int h = r.getHeight();
        int w = r.getWidth();
        int plane = h * w;
        byte[] out = new byte[3 * plane];
        int[] px = new int[4];
        int[] cmyk = new int[3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.getPixel(x + r.getMinX(), y + r.getMinY(), px);
                if (transform == 2) {
                    ycc(px, cmyk); // libjpeg's YCCK to CMYK is 255 - RGB, which Adobe's inversion undoes: the ink
                } else {
                    for (int c = 0; c < 3; c++) {
                        cmyk[c] = transform >= 0 ? 255 - px[c] : px[c]; // Adobe stores 255 - ink
                    }
                }
                int k = transform >= 0 ? 255 - px[3] : px[3];
                int i = y * w + x;
                for (int c = 0; c < 3; c++) {
                    int ink = cmyk[c];
                    int v = (255 - ink) * (255 - k) + 128;
                    out[c * plane + i] = (byte) ((v + (v >> 8)) >> 8); // PIL's MULDIV255: the rounded product / 255
                }
            }
        }
        return new RawImage(out, h, w);
    }

    /** libjpeg's YCbCr to RGB (JFIF), rounded and clamped: here it recovers the stored C, M, Y of a YCCK JPEG. */
    private static void ycc(int[] ycc, int[] out) {
        double yy = ycc[0];
        double cb = ycc[1] - 128;
        double cr = ycc[2] - 128;
        out[0] = clamp(yy + 1.40200 * cr);
        out[1] = clamp(yy - 0.34414 * cb - 0.71414 * cr);
        out[2] = clamp(yy + 1.77200 * cb);
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    /** The transform flag of the Adobe APP14 segment (0 CMYK, 2 YCCK), or -1 when there is none. */
    private static int adobeTransform(Node node) {
        if (node.getNodeName().equals("app14Adobe")) {
            Node t = node.getAttributes().getNamedItem("transform");
            return t == null ? 0 : Integer.parseInt(t.getNodeValue());
        }
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            int t = adobeTransform(c);
            if (t >= 0) {
                return t;
            }
        }
        return -1;
    }

    private static ImageReader reader(Object file, ImageInputStream in, int length) {
        if (length == 0) {
            throw new DataException(file + " is empty (0 bytes): replace or remove it");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new DataException(file + " is not a readable PNG/JPEG image (no decoder recognises its first bytes): "
                    + "replace or remove it");
        }
        ImageReader reader = readers.next();
        reader.setInput(in, true, true);
        return reader;
    }

    private static DataException unreadable(Object file, Exception e) {
        return new DataException(file + " is not a readable PNG/JPEG image (" + e.getClass().getSimpleName() + ": "
                + e.getMessage() + "): replace or remove it", e);
    }

    /** Any decoded image to planar 8-bit RGB with PIL's values (see the class comment). */
    static RawImage toPlanes(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        ColorModel cm = img.getColorModel();
        ColorSpace cs = cm.getColorSpace();
        Raster raster = img.getRaster();
        if (cm instanceof ComponentColorModel && cs.getType() == ColorSpace.TYPE_GRAY) {
            return fromSamples(raster, h, w, true, cm.hasAlpha(), cm.getComponentSize(0));
        }
        if (cm instanceof ComponentColorModel && cs.isCS_sRGB() && !cm.hasAlpha() && cm.getComponentSize(0) == 8
                && raster.getNumBands() == 3 && raster.getDataBuffer() instanceof DataBufferByte db
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel sm
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && db.getNumBanks() == 1) {
            return fromInterleavedBytes(db.getData(), sm, h, w); // JPEG's usual 3BYTE_BGR: no per-row int copies
        }
        if (cm instanceof ComponentColorModel && cs.isCS_sRGB()) {
            return fromSamples(raster, h, w, false, cm.hasAlpha(), cm.getComponentSize(0));
        }
        if (cm instanceof IndexColorModel || cm instanceof DirectColorModel && cs.isCS_sRGB()) {
            // palette and packed-int images hold sRGB values: getRGB converts nothing, only unpacks
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            int plane = h * w;
            byte[] out = new byte[3 * plane];
            for (int i = 0; i < plane; i++) {
                int p = argb[i];
                int a = p >>> 24;
                out[i] = over((p >>> 16) & 255, a);
                out[plane + i] = over((p >>> 8) & 255, a);
                out[2 * plane + i] = over(p & 255, a);
            }
            return new RawImage(out, h, w);
        }
        // anything else (an ICC colour space): let Java2D convert to sRGB
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        rgb.createGraphics().drawImage(img, 0, 0, null);
        return toPlanes(rgb);
    }

    /** 8-bit interleaved RGB (any band order) straight from the data buffer to planes. */
    private static RawImage fromInterleavedBytes(byte[] data, PixelInterleavedSampleModel sm, int h, int w) {
        int plane = h * w;
        byte[] out = new byte[3 * plane];
        int[] offsets = sm.getBandOffsets();
        int stride = sm.getPixelStride();
        int scan = sm.getScanlineStride();
        for (int c = 0; c < 3; c++) {
            int o = offsets[c];
            int base = c * plane;
            for (int y = 0; y < h; y++) {
                int src = y * scan + o;
                int dst = base + y * w;
                for (int x = 0; x < w; x++) {
                    out[dst + x] = data[src];
                    src += stride;
                }
            }
        }
        return new RawImage(out, h, w);
    }

    private static RawImage fromSamples(Raster r, int h, int w, boolean gray, boolean alpha, int bits) {
        int plane = h * w;
        byte[] out = new byte[3 * plane];
        int bands = r.getNumBands();
        int[] row = new int[w * bands];
        int max = (1 << bits) - 1;
        for (int y = 0; y < h; y++) {
            r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, row);               // (W, bands) samples of row y
            for (int x = 0; x < w; x++) {
                int p = x * bands;
                int a = alpha ? to8(row[p + bands - 1], max) : 255;
                int i = y * w + x;
                for (int c = 0; c < 3; c++) {
                    out[c * plane + i] = over(to8(row[p + (gray ? 0 : c)], max), a);
                }
            }
        }
        return new RawImage(out, h, w);
    }

    private static int to8(int v, int max) {
        return max == 255 ? v : (int) ((v * 255L * 2 + max) / (2L * max)); // round(v * 255 / max)
    }

    /** Composites value c with alpha a onto white. */
    private static byte over(int c, int a) {
        if (a == 255) {
            return (byte) c;
        }
        return (byte) ((c * a + 255 * (255 - a) + 127) / 255);
    }
}
