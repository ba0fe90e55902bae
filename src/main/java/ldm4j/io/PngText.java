package ldm4j.io;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

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
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The text chunks of PNG bytes; an error if they are not a PNG. */
    public static Map<String, String> read(byte[] png) throws IOException {
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

    private static boolean isLatin1(String s) {
        return s.chars().allMatch(c -> c < 256);
    }
}
