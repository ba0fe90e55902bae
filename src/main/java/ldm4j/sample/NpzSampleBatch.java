package ldm4j.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.CRC32;

import ldm4j.LdmException;
import ldm4j.distributed.Collective;
import ldm4j.io.AtomicFiles;
import ldm4j.io.DType;
import ldm4j.io.npz.NpyHeader;
import ldm4j.io.npz.StoredZip;
import ldm4j.torch.ImageGrid;

/**
 * A sample batch in ADM's evaluation format, written straight to disk: a {@code .npz} with {@code arr_0}
 * (uint8 N x H x W x 3, pixels as in ldm4j's PNGs) and {@code arr_1} (int64 labels), STORED, ZIP64 when
 * it exceeds 4 GiB. The archive is laid out up front in {@code FILE.partial}; each of the request's
 * batches is written at its own offset by whichever rank samples it, and logged in
 * {@code FILE.partial.rank<R>.done} once on disk, so an interrupted run resumes with the batches
 * still missing (under any number of ranks). {@code FILE.partial.json} holds the settings and refuses
 * a resume with others. When every batch is done, rank 0 patches the CRC-32s, writes the central
 * directory and renames the file into place; until then {@code FILE} does not exist.
 */
public final class NpzSampleBatch {
    private final Path file;
    private final int count;
    private final int height;
    private final int width;
    private final int batchSize;
    private final byte[] imageHeader;
    private final byte[] labelHeader;
    private final StoredZip zip;

    /** The layout of {@code count} images of {@code height x width} sampled in batches of {@code batchSize}. */
    public NpzSampleBatch(Path file, int count, int height, int width, int batchSize, boolean forceZip64) {
        if (count < 1 || height < 1 || width < 1 || batchSize < 1) {
            throw new IllegalArgumentException(count + " images of " + height + "x" + width + ", batch " + batchSize);
        }
        this.file = file;
        this.count = count;
        this.height = height;
        this.width = width;
        this.batchSize = batchSize;
        NpyHeader images = new NpyHeader(DType.U8, new long[]{count, height, width, 3});
        NpyHeader labels = new NpyHeader(DType.I64, new long[]{count});
        imageHeader = images.encode();
        labelHeader = labels.encode();
        zip = new StoredZip(List.of("arr_0.npy", "arr_1.npy"), new long[]{imageHeader.length + images.dataBytes(),
                labelHeader.length + labels.dataBytes()}, forceZip64);
    }

    public Path partial() {
        return file.resolveSibling(file.getFileName() + ".partial");
    }

    Path settingsFile() {
        return file.resolveSibling(file.getFileName() + ".partial.json");
    }

    Path doneLog(int rank) {
        return file.resolveSibling(file.getFileName() + ".partial.rank" + rank + ".done");
    }

    public int batches() {
        return (count + batchSize - 1) / batchSize;
    }

    private long rowBytes() {
        return 3L * height * width;
    }

    /**
     * Rank 0 lays out {@code FILE.partial} (headers and labels) or, when it exists with the same
     * {@code settings}, keeps it; then every rank returns the batches already done.
     */
    public BitSet prepare(String settings, long[] labels, Collective ranks) {
        if (labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        }
        if (ranks.rank() == 0) {
            try {
                if (Files.exists(partial()) && Files.isRegularFile(settingsFile())
                        && Files.readString(settingsFile(), StandardCharsets.UTF_8).equals(settings)
                        && Files.size(partial()) >= zip.centralOffset()) {
                    // resume
                } else if (Files.exists(partial()) || Files.exists(settingsFile())) {
                    throw new LdmException(partial() + " was started with other settings than " + settings + ": rerun with "
                            + "those settings to resume, or delete " + partial() + " and " + settingsFile() + " to start over");
                } else {
                    create(labels);
                    AtomicFiles.writeBytes(settingsFile(), settings.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare " + partial() + ": " + e.getMessage(), e);
            }
        }
        ranks.barrier("preparing " + partial());
        BitSet done = readDone();
        ranks.requireSame("batches already written to " + partial(), done.toString());
        return done;
    }

    private void create(long[] labels) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        deleteLogs();                                                               // of an abandoned earlier file
        try (FileChannel ch = FileChannel.open(partial(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            write(ch, zip.localHeader(0, 0), zip.headerOffset(0));
            write(ch, ByteBuffer.wrap(imageHeader), zip.dataOffset(0));
            write(ch, zip.localHeader(1, 0), zip.headerOffset(1));
            ByteBuffer b = ByteBuffer.allocate(labelHeader.length + 8 * count).order(ByteOrder.LITTLE_ENDIAN);
            b.put(labelHeader);
            for (long l : labels) {
                b.putLong(l);
            }
            write(ch, b.flip(), zip.dataOffset(1));
            ch.force(true);
        }
    }

    /** Batches logged as done by any rank (a torn last line of a killed run is ignored). */
    BitSet readDone() {
        BitSet done = new BitSet(batches());
        String prefix = file.getFileName() + ".partial.rank";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(file.toAbsolutePath().getParent(), prefix + "*.done")) {
            for (Path log : ds) {
                String text = Files.readString(log, StandardCharsets.US_ASCII);
                int end = text.lastIndexOf('\n');
                for (String line : text.substring(0, end + 1).split("\n")) {
                    if (!line.isBlank()) {
                        int j = Integer.parseInt(line.strip());
                        if (j < 0 || j >= batches()) {
                            throw new LdmException(log + " names batch " + j + " of " + batches() + ": delete " + partial()
                                    + " and its .done logs to start over");
                        }
                        done.set(j);
                    }
                }
            }
        } catch (NumberFormatException e) {
            throw new LdmException("a .done log of " + partial() + " is damaged (" + e.getMessage() + "): delete " + partial()
                    + " and its .done logs to start over");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the .done logs of " + partial() + ": " + e.getMessage(), e);
        }
        return done;
    }

    /** The batches this rank samples: the missing ones, dealt round-robin over the ranks. */
    public List<Integer> share(BitSet done, Collective ranks) {
        List<Integer> mine = new ArrayList<>();
        int k = 0;
        for (int j = 0; j < batches(); j++) {
            if (!done.get(j)) {
                if (k % ranks.worldSize() == ranks.rank()) {
                    mine.add(j);
                }
                k++;
            }
        }
        return mine;
    }

    /** First image of batch {@code j}. */
    public int firstImage(int j) {
        return j * batchSize;
    }

    public int endImage(int j) {
        return Math.min(count, (j + 1) * batchSize);
    }

    /** Writes batch {@code j}'s images (CHW floats in [-1, 1]) at their offset, syncs, and logs the batch as done. */
    public void writeBatch(int j, LatentSampler.Images images, int rank) {
        int n = endImage(j) - firstImage(j);
        if (images.count() != n || images.height() != height || images.width() != width) {
            throw new IllegalArgumentException("batch " + j + ": " + images.count() + " images of " + images.height() + "x"
                    + images.width() + ", expected " + n + " of " + height + "x" + width);
        }
        byte[] hwc = new byte[Math.toIntExact(n * rowBytes())];
        float[] chw = images.chw();
        int plane = height * width;
        for (int i = 0; i < n; i++) {
            int base = i * 3 * plane;
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < 3; c++) {
                    hwc[(i * plane + p) * 3 + c] = (byte) ImageGrid.toByte(chw[base + c * plane + p]);   // (N, H, W, 3)
                }
            }
        }
        try (FileChannel ch = FileChannel.open(partial(), StandardOpenOption.WRITE)) {
            write(ch, ByteBuffer.wrap(hwc), zip.dataOffset(0) + imageHeader.length + firstImage(j) * rowBytes());
            ch.force(false);
            Files.writeString(doneLog(rank), j + "\n", StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write batch " + j + " to " + partial() + ": " + e.getMessage(), e);
        }
    }

    /**
     * After every rank has written its share: rank 0 checks that every batch is logged, patches the
     * CRC-32s, appends the central directory and renames {@code FILE.partial} to {@code FILE}.
     */
    public void finish(LongConsumer progress) {
        BitSet done = readDone();
        if (done.cardinality() != batches()) {
            throw new IllegalStateException(partial() + ": " + done.cardinality() + " of " + batches() + " batches written");
        }
        try (FileChannel ch = FileChannel.open(partial(), StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            int[] crcs = {crc(ch, zip.dataOffset(0), imageHeader.length + count * rowBytes(), progress),
                    crc(ch, zip.dataOffset(1), labelHeader.length + 8L * count, n -> { })};
            write(ch, zip.localHeader(0, crcs[0]), zip.headerOffset(0));
            write(ch, zip.localHeader(1, crcs[1]), zip.headerOffset(1));
            write(ch, zip.centralDirectory(crcs), zip.centralOffset());
            ch.truncate(zip.fileSize());
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + partial() + ": " + e.getMessage(), e);
        }
        try {
            Files.move(partial(), file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            deleteLogs();
            Files.deleteIfExists(settingsFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + partial() + " to " + file + ": " + e.getMessage(), e);
        }
    }

    private void deleteLogs() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(file.toAbsolutePath().getParent(),
                file.getFileName() + ".partial.rank*.done")) {
            for (Path log : ds) {
                Files.delete(log);
            }
        }
    }

    private static int crc(FileChannel ch, long from, long length, LongConsumer progress) throws IOException {
        CRC32 crc = new CRC32();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 22);
        long at = from;
        long end = from + length;
        while (at < end) {
            buf.clear().limit((int) Math.min(buf.capacity(), end - at));
            int r = ch.read(buf, at);
            if (r < 0) {
                throw new IOException("ends at byte " + at + ", before " + end);
            }
            buf.flip();
            crc.update(buf);
            at += r;
            progress.accept(r);
        }
        return (int) crc.getValue();
    }

    private static void write(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long at = position;
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    /** Class-balanced labels: image i has class {@code classes[i mod C]}, so every class gets N / C images (+-1). */
    public static long[] balancedLabels(List<Integer> classes, int count) {
        long[] labels = new long[count];
        for (int i = 0; i < count; i++) {
            labels[i] = classes.get(i % classes.size());
        }
        return labels;
    }
}
