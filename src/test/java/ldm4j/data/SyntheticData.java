package ldm4j.data;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import javax.imageio.ImageIO;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Small synthetic datasets for tests (never the real CIFAR-10). */
public final class SyntheticData {
    private SyntheticData() {
    }

    /**
     * One CIFAR-10 batch in the official binary format: record r has label (r + offset) % 10 and a
     * flat colour per channel derived from (label, r) so content checks are possible.
     */
    public static byte[] cifarBatch(int offset) {
        byte[] b = new byte[Cifar10.BATCH_BYTES];
        for (int r = 0; r < Cifar10.RECORDS_PER_BATCH; r++) {
            int base = r * Cifar10.RECORD_BYTES;
            int label = (r + offset) % 10;
            b[base] = (byte) label;
            for (int c = 0; c < 3; c++) {
                byte v = pixel(label, c, r);
                for (int p = 0; p < 1024; p++) {
                    b[base + 1 + c * 1024 + p] = v;
                }
            }
            b[base + 1] = (byte) 255; // top-left red pixel marks orientation
        }
        return b;
    }

    public static byte pixel(int label, int channel, int record) {
        return (byte) (label * 20 + channel * 5 + (record % 3));
    }

    /** Writes the official layout: cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin (+ meta) as tar.gz. */
    public static Path cifarTarball(Path dir) throws IOException {
        Path tarball = dir.resolve(Cifar10.TARBALL);
        try (OutputStream out = Files.newOutputStream(tarball);
             GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            TarArchiveEntry folder = new TarArchiveEntry(Cifar10.FOLDER + "/");
            tar.putArchiveEntry(folder);
            tar.closeArchiveEntry();
            byte[] meta = String.join("\n", Cifar10.CLASSES).concat("\n").getBytes();
            put(tar, Cifar10.FOLDER + "/batches.meta.txt", meta);
            for (int i = 0; i < 5; i++) {
                put(tar, Cifar10.FOLDER + "/" + Cifar10.TRAIN_FILES.get(i), cifarBatch(i));
            }
            put(tar, Cifar10.FOLDER + "/" + Cifar10.TEST_FILE, cifarBatch(7));
        }
        return tarball;
    }

    /** The extracted layout: dir/cifar-10-batches-bin/*.bin. */
    public static Path cifarFolder(Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(Cifar10.FOLDER));
        for (int i = 0; i < 5; i++) {
            Files.write(folder.resolve(Cifar10.TRAIN_FILES.get(i)), cifarBatch(i));
        }
        Files.write(folder.resolve(Cifar10.TEST_FILE), cifarBatch(7));
        return folder;
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    /**
     * An image folder root/{split}/{class}/NNN.png with {@code perClass} images per class; image k of
     * class c is a flat colour (c * 25, k * 10, 100) of size side x side, saved as PNG (lossless).
     */
    public static Path imageFolder(Path root, List<String> splits, List<String> classes, int perClass, int side)
            throws IOException {
        for (String split : splits) {
            for (int c = 0; c < classes.size(); c++) {
                Path dir = Files.createDirectories(split.isEmpty() ? root.resolve(classes.get(c))
                        : root.resolve(split).resolve(classes.get(c)));
                for (int k = 0; k < perClass; k++) {
                    BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
                    int rgb = ((c * 25) << 16) | ((k * 10) << 8) | 100;
                    for (int y = 0; y < side; y++) {
                        for (int x = 0; x < side; x++) {
                            img.setRGB(x, y, rgb);
                        }
                    }
                    ImageIO.write(img, "png", dir.resolve(String.format("%03d.png", k)).toFile());
                }
            }
        }
        return root;
    }

    /** Formats of {@link #mixedFolder}, cycled through per image. */
    public static final List<String> MIXED_FORMATS = List.of("rgb.png", "gray.png", "rgba.png", "palette.png", "rgb.jpg",
            "gray.jpg", "gray16.png", "progressive.jpg");

    /**
     * A folder of non-square images of mixed sizes (300x200 and 90x120 alternating) and mixed pixel formats
     * ({@link #MIXED_FORMATS}); image k of class c is a horizontal ramp in a class colour, so flips and
     * classes both show. {@code split} "" puts class folders directly under root; classes = [""] puts the
     * images directly in the split folder (unconditional data).
     */
    public static Path mixedFolder(Path root, List<String> splits, List<String> classes, int perClass) throws IOException {
        for (String split : splits) {
            for (int c = 0; c < classes.size(); c++) {
                Path dir = Files.createDirectories(root.resolve(split).resolve(classes.get(c)));
                for (int k = 0; k < perClass; k++) {
                    boolean wide = (k + c) % 2 == 0;
                    int w = wide ? 300 : 90;
                    int h = wide ? 200 : 120;
                    String format = MIXED_FORMATS.get((c * perClass + k) % MIXED_FORMATS.size());
                    writeMixed(dir.resolve(String.format("%03d-%s", k, format)), format, w, h, c, classes.size());
                }
            }
        }
        return root;
    }

    private static void writeMixed(Path file, String format, int w, int h, int c, int classes) throws IOException {
        int hue = Color.HSBtoRGB((float) c / classes, 0.8f, 1f);
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double t = 0.25 + 0.75 * x / (w - 1.0); // dark left, bright right
                int r = (int) (((hue >> 16) & 255) * t);
                int g = (int) (((hue >> 8) & 255) * t);
                int b = (int) ((hue & 255) * t);
                rgb.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        BufferedImage out = switch (format) {
            case "gray.png", "gray.jpg" -> convert(rgb, BufferedImage.TYPE_BYTE_GRAY);
            case "gray16.png" -> convert(rgb, BufferedImage.TYPE_USHORT_GRAY);
            case "rgba.png" -> convert(rgb, BufferedImage.TYPE_INT_ARGB);
            case "palette.png" -> convert(rgb, BufferedImage.TYPE_BYTE_INDEXED);
            default -> rgb;
        };
        String kind = format.endsWith(".png") ? "png" : "jpg";
        if (!ImageIO.write(out, kind, file.toFile())) {
            throw new IOException("no writer for " + format);
        }
    }

    private static BufferedImage convert(BufferedImage src, int type) {
        BufferedImage dst = new BufferedImage(src.getWidth(), src.getHeight(), type);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int p = src.getRGB(x, y);
                if (type == BufferedImage.TYPE_BYTE_GRAY || type == BufferedImage.TYPE_USHORT_GRAY) {
                    int v = (((p >> 16) & 255) + ((p >> 8) & 255) + (p & 255)) / 3;
                    dst.getRaster().setSample(x, y, 0, type == BufferedImage.TYPE_USHORT_GRAY ? v * 257 : v);
                } else if (type == BufferedImage.TYPE_INT_ARGB) {
                    dst.setRGB(x, y, (x < 4 ? 0x80000000 : 0xFF000000) | (p & 0xFFFFFF)); // a half-transparent edge
                } else {
                    dst.setRGB(x, y, p);
                }
            }
        }
        return dst;
    }

    /** A valid PNG header declaring width x height RGB pixels, with a few compressed bytes of data. */
    public static byte[] pngDeclaring(int width, int height) throws IOException {
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
        chunk(out, "IDAT", Arrays.copyOf(z, n));
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

}
