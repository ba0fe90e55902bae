package ldm4j.data;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * CIFAR-10 in the official binary format, read from {@code cifar-10-binary.tar.gz} (streamed, not
 * extracted to disk) or from its extracted {@code cifar-10-batches-bin} folder. All 60,000 images
 * are held in memory (184 MB). Every batch is checked: exact size, labels in 0..9.
 */
public final class Cifar10Binary implements ImageDataset {
    private final String source;
    private final byte[][] batches;

    private Cifar10Binary(String source, List<byte[]> batches) {
        this.source = source;
        this.batches = batches.toArray(new byte[0][]);
    }

    /** Opens a tarball or an extracted folder (or its parent). */
    public static Splits open(Path path, String spec) {
        if (!Files.exists(path)) {
            throw new DataException(path + " does not exist: pass the CIFAR-10 tarball (" + Cifar10.TARBALL
                    + ") or its extracted " + Cifar10.FOLDER + " folder, e.g. --data cifar10:/data/" + Cifar10.TARBALL);
        }
        Map<String, byte[]> files = Files.isDirectory(path) ? readFolder(path) : readTarball(path);
        List<byte[]> train = new ArrayList<>();
        for (String name : Cifar10.TRAIN_FILES) {
            train.add(checked(files, name, path));
        }
        byte[] test = checked(files, Cifar10.TEST_FILE, path);
        return new Splits(spec,
                new Cifar10Binary(spec + " (train)", train),
                Optional.of(new Cifar10Binary(spec + " (test)", List.of(test))));
    }

    private static Map<String, byte[]> readFolder(Path path) {
        Path dir = path;
        if (!Files.exists(dir.resolve(Cifar10.TEST_FILE)) && Files.isDirectory(dir.resolve(Cifar10.FOLDER))) {
            dir = dir.resolve(Cifar10.FOLDER);
        }
        Map<String, byte[]> files = new HashMap<>();
        List<String> names = new ArrayList<>(Cifar10.TRAIN_FILES);
        names.add(Cifar10.TEST_FILE);
        for (String name : names) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) {
                throw new DataException(f + " is missing: a CIFAR-10 folder holds data_batch_1.bin .. data_batch_5.bin and "
                        + "test_batch.bin (extract " + Cifar10.TARBALL + " again)");
            }
            try {
                long size = Files.size(f);
                if (size != Cifar10.BATCH_BYTES) {
                    throw wrongSize(f.toString(), size);
                }
                files.put(name, Files.readAllBytes(f));
            } catch (IOException e) {
                throw new DataException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return files;
    }

    private static Map<String, byte[]> readTarball(Path tarball) {
        Map<String, byte[]> files = new HashMap<>();
        try (InputStream in = Files.newInputStream(tarball);
             GzipCompressorInputStream gz = new GzipCompressorInputStream(in);
             TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String name = Path.of(e.getName()).getFileName().toString();
                if (name.endsWith(".bin")) {
                    String where = tarball + "!" + e.getName();
                    if (e.getSize() != Cifar10.BATCH_BYTES) {
                        throw wrongSize(where, e.getSize());
                    }
                    byte[] data = readFully(tar, Cifar10.BATCH_BYTES);
                    if (data.length != Cifar10.BATCH_BYTES) {
                        throw new DataException(where + " is truncated: " + data.length + " of " + Cifar10.BATCH_BYTES
                                + " bytes; the tarball is incomplete, download it again");
                    }
                    files.put(name, data);
                }
            }
        } catch (IOException e) {
            String why = e instanceof EOFException ? "it ends too early: the download was cut"
                    : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new DataException(tarball + " is not a readable tar.gz (" + why + "): download " + Cifar10.TARBALL
                    + " again", e);
        }
        return files;
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n);
        byte[] buf = new byte[1 << 16];
        int r;
        while (out.size() < n && (r = in.read(buf, 0, Math.min(buf.length, n - out.size()))) > 0) {
            out.write(buf, 0, r);
        }
        return out.toByteArray();
    }

    private static byte[] checked(Map<String, byte[]> files, String name, Path path) {
        byte[] data = files.get(name);
        if (data == null) {
            throw new DataException(path + " has no " + name + ": not a CIFAR-10 binary release (expected "
                    + Cifar10.FOLDER + "/data_batch_1..5.bin and test_batch.bin)");
        }
        for (int r = 0; r < Cifar10.RECORDS_PER_BATCH; r++) {
            int label = data[r * Cifar10.RECORD_BYTES] & 0xFF;
            if (label > 9) {
                throw new DataException(path + "!" + name + ": record " + r + " has label " + label
                        + " (CIFAR-10 labels are 0..9): the file is corrupt");
            }
        }
        return data;
    }

    private static DataException wrongSize(String where, long size) {
        return new DataException(where + " has " + size + " bytes, expected " + Cifar10.BATCH_BYTES + " ("
                + Cifar10.RECORDS_PER_BATCH + " records of " + Cifar10.RECORD_BYTES
                + " bytes): the file is truncated or not a CIFAR-10 binary batch");
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public List<String> classes() {
        return Cifar10.CLASSES;
    }

    @Override
    public int size() {
        return batches.length * Cifar10.RECORDS_PER_BATCH;
    }

    @Override
    public int label(int i) {
        return batches[i / Cifar10.RECORDS_PER_BATCH][(i % Cifar10.RECORDS_PER_BATCH) * Cifar10.RECORD_BYTES] & 0xFF;
    }

    @Override
    public RawImage load(int i) {
        byte[] batch = batches[i / Cifar10.RECORDS_PER_BATCH];
        int offset = (i % Cifar10.RECORDS_PER_BATCH) * Cifar10.RECORD_BYTES + 1;
        byte[] planes = new byte[Cifar10.RECORD_BYTES - 1];
        System.arraycopy(batch, offset, planes, 0, planes.length);
        return new RawImage(planes, Cifar10.SIDE, Cifar10.SIDE);
    }
}
