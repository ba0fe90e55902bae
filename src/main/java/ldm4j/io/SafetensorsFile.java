package ldm4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * An open, validated safetensors file whose data is memory-mapped. Tensors returned by {@link #get}
 * are views of the mapping: they stay valid after {@link #close()} (the mapping is released when they
 * are garbage collected), but the file must not be truncated while they are in use. Thread-safe.
 */
public final class SafetensorsFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final MappedByteBuffer data; // whole data buffer, or null when larger than 2 GiB
    private final Map<String, String> metadata;
    private final SortedMap<String, TensorInfo> tensors;
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, MappedByteBuffer data,
            SafetensorsHeader.Parsed header) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.data = data;
        this.metadata = header.metadata();
        this.tensors = header.tensors();
    }

    static SafetensorsFile open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (size < 8 || !Safetensors.readFully(ch, prefix, 0)) {
                throw new FormatException(path, "file is " + size + " bytes, too short for the 8-byte header length");
            }
            long n = prefix.getLong(0);
            if (n < 0 || n > Safetensors.MAX_HEADER_BYTES) {
                throw new FormatException(path, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                        + Safetensors.MAX_HEADER_BYTES + " bytes");
            }
            if (n > size - 8) {
                throw new FormatException(path, "header length " + n + " runs past the end of the file ("
                        + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            if (!Safetensors.readFully(ch, header, 8)) {
                throw new FormatException(path, "file ended inside the header (was it truncated while reading?)");
            }
            long dataStart = 8 + n;
            long dataLength = size - dataStart;
            SafetensorsHeader.Parsed parsed = SafetensorsHeader.parse(path, header.array(), dataLength);
            MappedByteBuffer mapped = dataLength <= Integer.MAX_VALUE
                    ? ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLength)
                    : null;
            return new SafetensorsFile(path, ch, dataStart, mapped, parsed);
        } catch (Throwable t) {
            try {
                ch.close();
            } catch (IOException e) {
                t.addSuppressed(e);
            }
            throw t;
        }
    }

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} strings, sorted by key; empty when the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names, sorted. */
    public Set<String> names() {
        return tensors.keySet();
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Dtype, shape and location of a tensor, without touching its data. */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new FormatException(path, "no tensor named '" + name + "' (file has " + tensors.size() + " tensors)");
        }
        return info;
    }

    /** The tensor as a read-only view of the mapped file. */
    public HostTensor get(String name) {
        TensorInfo info = info(name);
        if (closed) {
            throw new IllegalStateException(path + ": file is closed");
        }
        long size = info.byteSize();
        if (size > Integer.MAX_VALUE) {
            throw new FormatException(path, "tensor '" + name + "' has " + size
                    + " bytes, more than a Java buffer can hold");
        }
        ByteBuffer bytes;
        if (data != null) {
            bytes = data.slice((int) info.begin(), (int) size);
        } else {
            try {
                bytes = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), size);
            } catch (IOException e) {
                throw new UncheckedIOException(path + ": cannot map tensor '" + name + "'", e);
            }
        }
        return new HostTensor(info.dtype(), info.shape(), bytes);
    }

    /** All tensors in name order. */
    public Map<String, HostTensor> getAll() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String name : tensors.keySet()) {
            out.put(name, get(name));
        }
        return out;
    }

    /**
     * The tensor, after checking it has the expected dtype and shape; otherwise a FormatException like
     * {@code tensor 'w' is F16 [3, 4] but F32 [4, 4] was expected}.
     */
    public HostTensor requireShape(String name, DType dtype, long... shape) {
        TensorInfo info = info(name);
        if (info.dtype() != dtype || !Arrays.equals(info.shape(), shape)) {
            throw new FormatException(path, "tensor '" + name + "' is " + info.describe() + " but " + dtype + " "
                    + Arrays.toString(shape) + " was expected");
        }
        return get(name);
    }

    /** Missing and unexpected tensor names against the names a model expects. */
    public NameDiff nameDiff(Collection<String> expected) {
        return NameDiff.of(names(), expected);
    }

    /** Throws a FormatException like {@code tensor names do not match: missing: a.b, unexpected: c.d}. */
    public void requireNames(Collection<String> expected) {
        NameDiff diff = nameDiff(expected);
        if (!diff.isEmpty()) {
            throw new FormatException(path, "tensor names do not match: " + diff);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
