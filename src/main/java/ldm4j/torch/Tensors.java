package ldm4j.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import ldm4j.io.DType;
import ldm4j.io.HostTensor;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Copies between libtorch tensors and Java arrays / {@link HostTensor}. Every tensor returned owns
 * its memory (the Java array may be reused or collected at once). Pure functions, no state.
 */
public final class Tensors {
    private Tensors() {
    }

    /** A float32 CPU tensor of the given shape holding a copy of {@code values}. */
    public static Tensor fromFloats(float[] values, long... shape) {
        checkNumel(values.length, shape);
        try (FloatPointer p = new FloatPointer(values)) {
            return torch.from_blob(p, shape, new TensorOptions(ScalarType.Float)).clone();
        }
    }

    /** An int64 CPU tensor of the given shape holding a copy of {@code values}. */
    public static Tensor fromLongs(long[] values, long... shape) {
        checkNumel(values.length, shape);
        try (LongPointer p = new LongPointer(values)) {
            return torch.from_blob(p, shape, new TensorOptions(ScalarType.Long)).clone();
        }
    }

    /** A uint8 CPU tensor of the given shape holding a copy of {@code values}. */
    public static Tensor fromBytes(byte[] values, long... shape) {
        checkNumel(values.length, shape);
        try (BytePointer p = new BytePointer(values)) {
            return torch.from_blob(p, shape, new TensorOptions(ScalarType.Byte)).clone();
        }
    }

    /** The values of a tensor of any floating dtype and device, as float32, in row-major order. */
    public static float[] toFloats(Tensor t) {
        Tensor c = t.detach().to(new Device(torch.DeviceType.CPU), ScalarType.Float).contiguous();
        float[] out = new float[Math.toIntExact(c.numel())];
        c.data_ptr_float().get(out);
        return out;
    }

    /** The values of an integer tensor as int64. */
    public static long[] toLongs(Tensor t) {
        Tensor c = t.detach().to(new Device(torch.DeviceType.CPU), ScalarType.Long).contiguous();
        long[] out = new long[Math.toIntExact(c.numel())];
        c.data_ptr_long().get(out);
        return out;
    }

    public static long[] shape(Tensor t) {
        return t.sizes().vec().get();
    }

    /** Copies a tensor to host memory with the matching {@link DType}. */
    public static HostTensor toHost(Tensor t) {
        DType dtype = dtypeOf(t.scalar_type());
        Tensor c = t.detach().to(new Device(torch.DeviceType.CPU), t.scalar_type()).contiguous();
        long bytes = c.numel() * dtype.byteSize();
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes > 0) {
            BytePointer p = new BytePointer(c.data_ptr()).capacity(bytes);
            p.get(buf.array());
        }
        return new HostTensor(dtype, shape(c), buf);
    }

    /** Creates a CPU tensor owning a copy of the host tensor's bytes. */
    public static Tensor fromHost(HostTensor h) {
        ByteBuffer src = h.data();
        byte[] bytes = new byte[src.remaining()];
        src.get(bytes);
        long[] shape = h.shape();
        if (bytes.length == 0) {
            return torch.empty(shape, new TensorOptions(scalarTypeOf(h.dtype())), null);
        }
        try (BytePointer p = new BytePointer(bytes)) {
            return torch.from_blob(p, shape, new TensorOptions(scalarTypeOf(h.dtype()))).clone();
        }
    }

    /**
     * The stored dtype of a libtorch scalar type. Compares {@code value}: the enum instances that
     * bytedeco returns from native calls are not the constants (== and switch fail on them).
     */
    public static DType dtypeOf(ScalarType s) {
        for (DType d : DType.values()) {
            if (scalarTypeOf(d).value == s.value) {
                return d;
            }
        }
        throw new IllegalArgumentException("no stored dtype for libtorch scalar type " + s);
    }

    /** True if two bytedeco scalar types are the same (see {@link #dtypeOf}). */
    public static boolean same(ScalarType a, ScalarType b) {
        return a.value == b.value;
    }

    public static ScalarType scalarTypeOf(DType d) {
        return switch (d) {
            case F32 -> ScalarType.Float;
            case F64 -> ScalarType.Double;
            case F16 -> ScalarType.Half;
            case BF16 -> ScalarType.BFloat16;
            case I64 -> ScalarType.Long;
            case I32 -> ScalarType.Int;
            case I16 -> ScalarType.Short;
            case I8 -> ScalarType.Char;
            case U8 -> ScalarType.Byte;
            case BOOL -> ScalarType.Bool;
        };
    }

    private static void checkNumel(int length, long[] shape) {
        long n = HostTensor.numel(shape);
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + length);
        }
    }
}
