package ldm4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON describing each tensor (dtype, shape, data_offsets relative to the data buffer) plus an
 * optional {@code "__metadata__"} object of strings, then the data buffer.
 *
 * <p>Files are written deterministically: tensors laid out like the Python package does (larger
 * dtypes first so every tensor is naturally aligned, then by name), metadata keys sorted, header
 * padded with spaces to a multiple of 8 bytes. Reading validates the whole header as strictly as the
 * Python package: tensors must tile the data buffer with no overlaps, gaps or trailing bytes.
 */
public final class Safetensors {

    /** Largest accepted header, as in the Python package. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private Safetensors() {
    }

    /**
     * Opens and validates a file; tensor data is memory-mapped, not read. Close the result when done.
     *
     * @throws FormatException if the file is not valid safetensors
     * @throws IOException if it cannot be read
     */
    public static SafetensorsFile read(Path file) throws IOException {
        return SafetensorsFile.open(file);
    }

    /** Atomically writes tensors without metadata. */
    public static void write(Path file, Map<String, HostTensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Atomically writes tensors and string metadata (temp file, fsync, rename). An ldm4j artifact
     * (metadata {@code "format": "ldm4j"}: checkpoints, model files, latent shards) must hold only
     * finite values; other files are written as given (the format itself stores any value).
     *
     * @throws NonFiniteTensorException if an ldm4j artifact holds NaN or infinite values (nothing is written)
     */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata)
            throws IOException {
        List<Map.Entry<String, HostTensor>> ordered = prepare(tensors, metadata);
        if ("ldm4j".equals(metadata.get("format"))) {
            TensorChecks.requireAllFinite(tensors, file);
        }
        byte[] header = SafetensorsHeader.encode(ordered, metadata);
        AtomicFiles.write(file, ch -> {
            AtomicFiles.writeFully(ch, lengthPrefix(header.length));
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            for (Map.Entry<String, HostTensor> e : ordered) {
                AtomicFiles.writeFully(ch, e.getValue().data());
            }
        });
    }

    /** The exact bytes {@link #write} would produce (for files under 2 GiB). */
    public static byte[] toBytes(Map<String, HostTensor> tensors, Map<String, String> metadata) {
        List<Map.Entry<String, HostTensor>> ordered = prepare(tensors, metadata);
        byte[] header = SafetensorsHeader.encode(ordered, metadata);
        long total = 8L + header.length;
        for (Map.Entry<String, HostTensor> e : ordered) {
            total += e.getValue().byteSize();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensors take " + total + " bytes, too many for a byte array");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total);
        out.put(lengthPrefix(header.length)).put(header);
        for (Map.Entry<String, HostTensor> e : ordered) {
            out.put(e.getValue().data());
        }
        return out.array();
    }

    private static List<Map.Entry<String, HostTensor>> prepare(Map<String, HostTensor> tensors,
            Map<String, String> metadata) {
        if (tensors == null || metadata == null) {
            throw new IllegalArgumentException("tensors and metadata must not be null (use Map.of())");
        }
        tensors.forEach((name, t) -> {
            if (name == null || t == null) {
                throw new IllegalArgumentException("null tensor name or tensor (name: " + name + ")");
            }
            if (name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("'" + name + "' is reserved and cannot name a tensor");
            }
        });
        metadata.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new IllegalArgumentException("null metadata key or value (key: " + k + ")");
            }
        });
        return SafetensorsHeader.layout(tensors);
    }

    private static ByteBuffer lengthPrefix(long headerLength) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerLength);
    }

    /** Reads exactly {@code buf.remaining()} bytes at {@code position}; false if the file ends first. */
    static boolean readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position);
            if (n < 0) {
                return false;
            }
            position += n;
        }
        return true;
    }
}
