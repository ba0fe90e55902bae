package ldm4j.io;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks of stored tensors before they are loaded into a model or written to disk: the element type
 * a model expects, and finiteness (a single NaN makes every later step and every sample NaN). Pure
 * functions; the scans read the raw bits, so a float32 file costs one pass over its bytes.
 */
public final class TensorChecks {
    private TensorChecks() {
    }

    /** Whether the type holds floating-point values. */
    public static boolean isFloating(DType d) {
        return d == DType.F64 || d == DType.F32 || d == DType.F16 || d == DType.BF16;
    }

    /** The index of the first NaN or infinite element, or -1 (always -1 for integer types). */
    public static long firstNonFinite(HostTensor t) {
        ByteBuffer b = t.data();
        long n = t.numel();
        switch (t.dtype()) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getInt(i * 4) & 0x7F800000) == 0x7F800000) {
                        return i;
                    }
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getLong(i * 8) & 0x7FF0000000000000L) == 0x7FF0000000000000L) {
                        return i;
                    }
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getShort(i * 2) & 0x7C00) == 0x7C00) {
                        return i;
                    }
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getShort(i * 2) & 0x7F80) == 0x7F80) {
                        return i;
                    }
                }
            }
            default -> {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Refuses a tensor read from {@code file} that holds NaN or infinite values.
     *
     * @throws FormatException naming the tensor and the element
     */
    public static void requireFinite(HostTensor t, String name, Path file) {
        long i = firstNonFinite(t);
        if (i >= 0) {
            throw new FormatException(file, "tensor '" + name + "' holds NaN or infinite values (element " + i
                    + "): the file is damaged or was saved by a diverged run; use an earlier checkpoint or retrain");
        }
    }

    /**
     * Refuses a tensor read from {@code file} whose element type cannot be what the model holds: a
     * floating-point parameter needs floating-point data (float32 data relabelled as int32 would
     * otherwise be converted value by value into garbage); an integer buffer needs its exact type.
     */
    public static void requireType(HostTensor t, DType expected, String name, Path file) {
        boolean ok = isFloating(expected) ? isFloating(t.dtype()) : t.dtype() == expected;
        if (!ok) {
            throw new FormatException(file, "tensor '" + name + "' is " + t.dtype().safetensorsName() + " but the model expects "
                    + (isFloating(expected) ? "floating-point values (" + expected.safetensorsName() + ")" : expected.safetensorsName())
                    + ": the file is damaged or not an ldm4j checkpoint of this model");
        }
    }

    /** {@link #requireType} then {@link #requireFinite}. */
    public static void require(HostTensor t, DType expected, String name, Path file) {
        requireType(t, expected, name, file);
        requireFinite(t, name, file);
    }

    /**
     * Refuses to write tensors holding NaN or infinite values: a checkpoint that cannot be resumed
     * from or sampled with must never replace a good one.
     *
     * @throws NonFiniteTensorException naming the file and the tensor
     */
    public static void requireAllFinite(Map<String, HostTensor> tensors, Path file) {
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            long i = firstNonFinite(e.getValue());
            if (i >= 0) {
                throw new NonFiniteTensorException(file, e.getKey(), i);
            }
        }
    }
}
