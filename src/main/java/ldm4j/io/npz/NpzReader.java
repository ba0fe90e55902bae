package ldm4j.io.npz;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import ldm4j.io.DType;
import ldm4j.io.FormatException;
import ldm4j.io.HostTensor;

/**
 * Reads NumPy {@code .npz} archives (stored or deflated, ZIP64 or not) as {@code numpy.savez} and ADM's
 * evaluation batches write them: every entry's {@code .npy} header is validated against the entry's
 * size on open; small arrays are read whole (bounded by {@link #MAX_WHOLE_BYTES}), image batches
 * ({@code arr_0}, N x H x W x 3 uint8) are streamed in chunks.
 */
public final class NpzReader implements AutoCloseable {
    /** The largest array read into one Java array (a 2048 x 2048 float64 covariance is 32 MiB). */
    public static final long MAX_WHOLE_BYTES = 1L << 30;
    private final Path file;
    private final ZipFile zip;
    private final Map<String, NpyHeader> headers = new LinkedHashMap<>();

    private NpzReader(Path file, ZipFile zip) {
        this.file = file;
        this.zip = zip;
    }

    /** Opens {@code file} and validates every {@code .npy} entry's header; a bad file is a {@link FormatException}. */
    public static NpzReader open(Path file) {
        ZipFile z;
        try {
            z = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new FormatException(file, "not a .npz (zip) archive: " + e.getMessage());
        } catch (IOException e) {
            throw new FormatException(file, "cannot open: " + e.getMessage(), e);
        }
        NpzReader r = new NpzReader(file, z);
        try {
            for (ZipEntry e : Collections.list(z.entries())) {
                if (!e.getName().endsWith(".npy")) {
                    continue;
                }
                r.headers.put(e.getName().substring(0, e.getName().length() - 4), r.header(e));
            }
            if (r.headers.isEmpty()) {
                throw new FormatException(file, "holds no .npy arrays");
            }
        } catch (RuntimeException ex) {
            r.close();
            throw ex;
        }
        return r;
    }

    private NpyHeader header(ZipEntry e) {
        try (InputStream in = zip.getInputStream(e)) {
            byte[] head = in.readNBytes(10);
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            int major = head.length == 10 ? head[6] & 0xff : 0;
            long len = major == 1 ? b.getShort(8) & 0xffff : major >= 2 ? -1 : 0;
            byte[] rest;
            if (len < 0) {
                byte[] two = in.readNBytes(2);
                long l4 = ByteBuffer.wrap(new byte[]{head[8], head[9], two.length > 0 ? two[0] : 0, two.length > 1 ? two[1] : 0})
                        .order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
                if (l4 > NpyHeader.MAX_HEADER_BYTES) {
                    throw new FormatException(file, e.getName() + ": .npy header length " + l4 + " is too large");
                }
                rest = concat(two, in.readNBytes((int) l4));
            } else {
                rest = in.readNBytes((int) len);
            }
            ByteBuffer all = ByteBuffer.wrap(concat(head, rest));
            NpyHeader h = NpyHeader.decode(all);
            long expected = Math.addExact(all.position(), h.dataBytes());
            if (e.getSize() != expected) {
                throw new FormatException(file, e.getName() + " holds " + e.getSize() + " bytes but its header "
                        + h.dtype() + Arrays.toString(h.shape()) + " needs " + expected);
            }
            return h;
        } catch (IllegalArgumentException | ArithmeticException ex) {
            throw new FormatException(file, e.getName() + ": " + ex.getMessage());
        } catch (IOException ex) {
            throw new FormatException(file, "cannot read " + e.getName() + ": " + ex.getMessage(), ex);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    public Path file() {
        return file;
    }

    /** Array names (entry names without {@code .npy}) in archive order. */
    public List<String> names() {
        return new ArrayList<>(headers.keySet());
    }

    public boolean has(String name) {
        return headers.containsKey(name);
    }

    /** The header of array {@code name}; a missing array is a {@link FormatException} naming those present. */
    public NpyHeader header(String name) {
        NpyHeader h = headers.get(name);
        if (h == null) {
            throw new FormatException(file, "has no array '" + name + "' (it holds " + names() + ")");
        }
        return h;
    }

    /** A whole floating-point array as float64, row-major. */
    public double[] doubles(String name) {
        NpyHeader h = header(name);
        if (h.dtype() != DType.F64 && h.dtype() != DType.F32) {
            throw new FormatException(file, "array '" + name + "' is " + h.dtype() + ", expected float64 or float32");
        }
        ByteBuffer b = whole(name, h);
        double[] out = new double[(int) (h.dataBytes() / h.dtype().byteSize())];
        for (int i = 0; i < out.length; i++) {
            out[i] = h.dtype() == DType.F64 ? b.getDouble() : b.getFloat();
        }
        return out;
    }

    /** A whole integer array as int64. */
    public long[] longs(String name) {
        NpyHeader h = header(name);
        ByteBuffer b = whole(name, h);
        long[] out = new long[(int) HostTensor.numel(h.shape())];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (h.dtype()) {
                case I64 -> b.getLong();
                case I32 -> b.getInt();
                case I16 -> b.getShort();
                case I8 -> b.get();
                case U8 -> b.get() & 0xff;
                default -> throw new FormatException(file, "array '" + name + "' is " + h.dtype() + ", expected integers");
            };
        }
        return out;
    }

    /** A whole array of any supported dtype as a {@link ldm4j.io.HostTensor}. */
    public HostTensor hostTensor(String name) {
        NpyHeader h = header(name);
        return new HostTensor(h.dtype(), h.shape(), whole(name, h));
    }

    private ByteBuffer whole(String name, NpyHeader h) {
        if (h.dataBytes() > MAX_WHOLE_BYTES) {
            throw new FormatException(file, "array '" + name + "' of " + h.dataBytes() + " bytes is too large to read whole");
        }
        try (InputStream in = data(name)) {
            byte[] bytes = new byte[(int) h.dataBytes()];
            new DataInputStream(in).readFully(bytes);
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        } catch (EOFException e) {
            throw new FormatException(file, "array '" + name + "' ends early");
        } catch (IOException e) {
            throw new FormatException(file, "cannot read array '" + name + "': " + e.getMessage(), e);
        }
    }

    /** A stream positioned at the first data byte of array {@code name} (the caller closes it). */
    public InputStream data(String name) throws IOException {
        header(name);
        ZipEntry e = zip.getEntry(name + ".npy");
        InputStream in = zip.getInputStream(e);
        byte[] head = in.readNBytes(10);
        int major = head[6] & 0xff;
        long len = major == 1 ? ((head[8] & 0xff) | (head[9] & 0xff) << 8)
                : ByteBuffer.wrap(concat(Arrays.copyOfRange(head, 8, 10), in.readNBytes(2))).order(ByteOrder.LITTLE_ENDIAN).getInt();
        in.skipNBytes(len);
        return in;
    }

    /**
     * Validates that {@code name} is an image batch, uint8 (N, H, W, 3), as ADM's evaluator reads
     * {@code arr_0}, and returns its header.
     */
    public NpyHeader imageBatch(String name) {
        NpyHeader h = header(name);
        long[] s = h.shape();
        if (h.dtype() != DType.U8 || s.length != 4 || s[3] != 3 || s[1] < 1 || s[2] < 1 || s[1] > 8192 || s[2] > 8192) {
            throw new FormatException(file, "array '" + name + "' is " + h.dtype() + Arrays.toString(s)
                    + ", expected uint8 images (N, H, W, 3) of at most 8192 x 8192");
        }
        return h;
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            // read-only: nothing is lost
        }
    }
}
