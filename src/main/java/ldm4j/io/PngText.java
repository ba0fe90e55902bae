package ldm4j.io;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

import org.w3c.dom.Node;

/**
 * PNG files with text chunks (keyword -> text), through the JDK's own PNG codec: {@code tEXt} for
 * Latin-1 text (what Automatic1111's {@code parameters} and most readers expect), {@code iTXt}
 * (UTF-8) otherwise.
 */
public final class PngText {
    private static final String FORMAT = "javax_imageio_png_1.0";

    private PngText() {
    }

    /** The PNG encoding of {@code image} with the given text chunks, in order. */
    public static byte[] encode(BufferedImage image, Map<String, String> text) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
             ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), null);
            IIOMetadataNode root = new IIOMetadataNode(FORMAT);
            IIOMetadataNode latin = new IIOMetadataNode("tEXt");
            IIOMetadataNode utf8 = new IIOMetadataNode("iTXt");
            for (Map.Entry<String, String> e : text.entrySet()) {
                if (isLatin1(e.getValue())) {
                    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                    entry.setAttribute("keyword", e.getKey());
                    entry.setAttribute("value", e.getValue());
                    latin.appendChild(entry);
                } else {
                    IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
                    entry.setAttribute("keyword", e.getKey());
                    entry.setAttribute("compressionFlag", "FALSE");
                    entry.setAttribute("compressionMethod", "0");
                    entry.setAttribute("languageTag", "");
                    entry.setAttribute("translatedKeyword", "");
                    entry.setAttribute("text", e.getValue());
                    utf8.appendChild(entry);
                }
            }
            if (latin.hasChildNodes()) {
                root.appendChild(latin);
            }
            if (utf8.hasChildNodes()) {
                root.appendChild(utf8);
            }
            meta.mergeTree(FORMAT, root);
            writer.setOutput(out);
            writer.write(new IIOImage(image, null, meta));
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode PNG: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
    }

    /** Writes the PNG atomically (temporary file, then rename). */
    public static void write(BufferedImage image, Map<String, String> text, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFiles.writeBytes(file, encode(image, text));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The text chunks of a PNG file, in file order. */
    public static Map<String, String> read(Path file) {
        try {
            return read(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file + " cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** The text chunks of PNG bytes; an error if they are not a PNG or a text chunk's CRC is wrong. */
    public static Map<String, String> read(byte[] png) throws IOException {
        checkTextCrcs(png);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not an image");
            }
            ImageReader reader = readers.next();
            try {
                if (!reader.getFormatName().equalsIgnoreCase("png")) {
                    throw new IOException("a " + reader.getFormatName() + " image, not a PNG");
                }
                reader.setInput(in);
                Node root = reader.getImageMetadata(0).getAsTree(FORMAT);
                Map<String, String> text = new LinkedHashMap<>();
                for (Node chunk = root.getFirstChild(); chunk != null; chunk = chunk.getNextSibling()) {
                    boolean t = chunk.getNodeName().equals("tEXt");
                    if (!t && !chunk.getNodeName().equals("iTXt") && !chunk.getNodeName().equals("zTXt")) {
                        continue;
                    }
                    for (Node e = chunk.getFirstChild(); e != null; e = e.getNextSibling()) {
                        IIOMetadataNode n = (IIOMetadataNode) e;
                        text.put(n.getAttribute("keyword"), n.hasAttribute("value") ? n.getAttribute("value") : n.getAttribute("text"));
                    }
                }
                return text;
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * Walks the chunk list up to {@code IEND} and refuses a text chunk ({@code tEXt}, {@code iTXt},
     * {@code zTXt}) whose CRC-32 does not match: an edited or damaged file (the JDK's reader ignores it).
     */
    static void checkTextCrcs(byte[] png) throws IOException {
        if (png.length < 8 || (png[0] & 0xFF) != 0x89 || png[1] != 'P' || png[2] != 'N' || png[3] != 'G') {
            return;                                                     // not a PNG: the reader says so
        }
        int at = 8;
        while (at + 12 <= png.length) {
            long length = readInt(png, at) & 0xFFFFFFFFL;
            String type = new String(png, at + 4, 4, StandardCharsets.ISO_8859_1);
            if (length > png.length - at - 12) {
                throw new IOException("its " + type + " chunk at byte " + at + " runs past the end of the file (truncated?)");
            }
            if (type.equals("tEXt") || type.equals("iTXt") || type.equals("zTXt")) {
                CRC32 crc = new CRC32();
                crc.update(png, at + 4, 4 + (int) length);
                long stored = readInt(png, at + 8 + (int) length) & 0xFFFFFFFFL;
                if (crc.getValue() != stored) {
                    throw new IOException("its " + type + " chunk at byte " + at + " has a wrong CRC (the file was edited"
                            + " or damaged): regenerate from an unmodified PNG");
                }
            }
            if (type.equals("IEND")) {
                return;
            }
            at += 12 + (int) length;
        }
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static boolean isLatin1(String s) {
        return s.chars().allMatch(c -> c < 256);
    }
}
