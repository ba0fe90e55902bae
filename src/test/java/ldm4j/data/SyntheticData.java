package ldm4j.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
}
