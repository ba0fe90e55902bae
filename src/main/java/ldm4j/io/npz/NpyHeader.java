package ldm4j.io.npz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ldm4j.io.DType;
import ldm4j.io.HostTensor;

/**
 * The header of a {@code .npy} array (NumPy's format, version 1.0 / 2.0): magic {@code \x93NUMPY},
 * version, header length, and a Python dict literal {@code {'descr': '<f8', 'fortran_order': False,
 * 'shape': (2, 3), }} padded with spaces to a 64-byte boundary and ended by a newline. Only
 * little-endian C-order arrays of the {@link DType}s are read; anything else is refused by name.
 */
public record NpyHeader(DType dtype, long[] shape) {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Bounds what a reader accepts before allocating (NumPy itself writes a few hundred bytes). */
    static final int MAX_HEADER_BYTES = 100_000;
    private static final Pattern DICT = Pattern.compile(
            "\\{\\s*'descr'\\s*:\\s*'([<>|=][a-z]\\d)'\\s*,\\s*'fortran_order'\\s*:\\s*(True|False)\\s*,"
                    + "\\s*'shape'\\s*:\\s*\\(([0-9,\\s]*)\\)\\s*,?\\s*\\}\\s*");

    public NpyHeader {
        shape = shape.clone();
        HostTensor.numel(shape); // refuses negative / overflowing shapes
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Bytes of the array data after the header. */
    public long dataBytes() {
        return Math.multiplyExact(HostTensor.numel(shape), (long) dtype.byteSize());
    }

    /** The header bytes (version 1.0), padded so that the data starts at a multiple of 64. */
    public byte[] encode() {
        StringBuilder s = new StringBuilder("{'descr': '").append(descr(dtype)).append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            s.append(shape[i]).append(i == 0 && shape.length == 1 ? "," : i < shape.length - 1 ? ", " : "");
        }
        s.append("), }");
        int unpadded = MAGIC.length + 2 + 2 + s.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        s.append(" ".repeat(total - unpadded)).append('\n');
        byte[] dict = s.toString().getBytes(StandardCharsets.US_ASCII);
        if (dict.length > 65535) {
            throw new IllegalArgumentException("npy header of " + dict.length + " bytes needs format 2.0");
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) dict.length).put(dict);
        return b.array();
    }

    /** NumPy's type string of {@code d} (little-endian, or '|' for single bytes). */
    static String descr(DType d) {
        return switch (d) {
            case F64 -> "<f8";
            case F32 -> "<f4";
            case F16 -> "<f2";
            case I64 -> "<i8";
            case I32 -> "<i4";
            case I16 -> "<i2";
            case I8 -> "|i1";
            case U8 -> "|u1";
            case BOOL -> "|b1";
            case BF16 -> throw new IllegalArgumentException("NumPy has no bfloat16");
        };
    }

    static DType fromDescr(String descr) {
        String d = descr.charAt(0) == '=' ? "<" + descr.substring(1) : descr;          // native order is little-endian here
        for (DType t : DType.values()) {
            if (t != DType.BF16 && (descr(t).equals(d) || t.byteSize() == 1 && descr(t).substring(1).equals(d.substring(1)))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported dtype '" + descr + "' (supported: little-endian f8, f4, f2, "
                + "i8, i4, i2, i1, u1, b1)");
    }

    /**
     * Reads a header from the start of {@code in} (the first bytes of a {@code .npy} entry), leaving the
     * buffer at the first data byte. Throws IllegalArgumentException naming what is wrong.
     */
    public static NpyHeader decode(ByteBuffer in) {
        ByteBuffer b = in.order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 10) {
            throw new IllegalArgumentException("too short for a .npy header (" + b.remaining() + " bytes)");
        }
        byte[] magic = new byte[6];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException("not a .npy array (no \\x93NUMPY magic)");
        }
        int major = b.get() & 0xff;
        b.get();                                                                    // minor version
        long len = switch (major) {
            case 1 -> b.getShort() & 0xffff;
            case 2, 3 -> {
                if (b.remaining() < 4) {
                    throw new IllegalArgumentException("truncated .npy header");
                }
                yield b.getInt() & 0xffffffffL;
            }
            default -> throw new IllegalArgumentException("unsupported .npy version " + major);
        };
        if (len > MAX_HEADER_BYTES || len > b.remaining()) {
            throw new IllegalArgumentException(".npy header length " + len + " is larger than " + Math.min(MAX_HEADER_BYTES,
                    b.remaining()) + " bytes");
        }
        byte[] dict = new byte[(int) len];
        b.get(dict);
        return parse(new String(dict, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
    }

    static NpyHeader parse(String dict) {
        Matcher m = DICT.matcher(dict);
        if (!m.matches()) {
            throw new IllegalArgumentException("malformed .npy header " + dict.strip());
        }
        if (m.group(2).equals("True")) {
            throw new IllegalArgumentException("Fortran-order arrays are not supported: save with np.ascontiguousarray");
        }
        DType dtype = fromDescr(m.group(1));
        String dims = m.group(3).strip();
        long[] shape;
        if (dims.isEmpty()) {
            shape = new long[0];
        } else {
            String[] p = dims.split(",");
            int count = p[p.length - 1].isBlank() ? p.length - 1 : p.length;
            if (count > 8) {
                throw new IllegalArgumentException(".npy shape (" + dims + ") has more than 8 dimensions");
            }
            shape = new long[count];
            for (int i = 0; i < count; i++) {
                String v = p[i].strip();
                if (v.isEmpty() || v.length() > 15) {
                    throw new IllegalArgumentException("malformed .npy shape (" + dims + ")");
                }
                shape[i] = Long.parseLong(v);
            }
        }
        return new NpyHeader(dtype, shape);
    }
}
