package ldm4j.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Helpers shared by the safetensors tests. */
final class TestData {

    private TestData() {
    }

    /** A tensor of {@code dtype} with seeded random bytes (0/1 for BOOL). */
    static HostTensor random(DType dtype, Random rnd, long... shape) {
        int n = Math.toIntExact(HostTensor.numel(shape) * dtype.byteSize());
        byte[] bytes = new byte[n];
        rnd.nextBytes(bytes);
        if (dtype == DType.BOOL) {
            for (int i = 0; i < n; i++) {
                bytes[i] = (byte) (bytes[i] & 1);
            }
        }
        return new HostTensor(dtype, shape, ByteBuffer.wrap(bytes));
    }

    static byte[] bytes(HostTensor t) {
        ByteBuffer b = t.data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** A file made by hand: length prefix (as given), header text, data. */
    static byte[] rawFile(long headerLength, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return rawFile(headerLength, h, data);
    }

    static byte[] rawFile(long headerLength, byte[] header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** A file made by hand with a correct length prefix. */
    static byte[] rawFile(String header, int dataLength) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return rawFile(h.length, h, new byte[dataLength]);
    }

    /** IEEE binary16 bits of a float that half precision represents exactly (normal numbers and zero). */
    static short halfBits(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        if ((bits & 0x7FFFFFFF) == 0) {
            return (short) sign;
        }
        int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
        int mant = (bits >>> 13) & 0x3FF;
        short h = (short) (sign | (exp << 10) | mant);
        if (exp <= 0 || exp >= 31 || HostTensor.halfToFloat(h) != f) {
            throw new IllegalArgumentException(f + " is not exactly representable as a normal half");
        }
        return h;
    }

    /** bfloat16 bits of a float that bfloat16 represents exactly. */
    static short bf16Bits(float f) {
        int bits = Float.floatToIntBits(f);
        if ((bits & 0xFFFF) != 0) {
            throw new IllegalArgumentException(f + " is not exactly representable as bfloat16");
        }
        return (short) (bits >>> 16);
    }

    static HostTensor of(DType dtype, long[] shape, ByteBuffer filled) {
        filled.flip();
        return new HostTensor(dtype, shape, filled);
    }

    static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
