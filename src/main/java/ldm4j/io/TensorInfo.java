package ldm4j.io;

import java.util.Arrays;

/**
 * Where a tensor lies in a safetensors file: dtype, shape and its [begin, end) byte range relative
 * to the start of the data buffer.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long byteSize() {
        return end - begin;
    }

    /** E.g. {@code F32 [2, 3]}. */
    public String describe() {
        return dtype + " " + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + ": " + describe() + " @ [" + begin + ", " + end + ")";
    }
}
