package ldm4j.eval.adm;

import ldm4j.torch.Tensors;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;

/** float64 CPU tensors to and from Java arrays: ADM's statistics are computed and compared in double precision. */
public final class Float64 {
    private Float64() {
    }

    /** A float64 CPU tensor of {@code shape} holding a copy of {@code values}. */
    public static Tensor of(double[] values, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
        }
        try (DoublePointer p = new DoublePointer(values)) {
            return torch.from_blob(p, shape, new TensorOptions(torch.ScalarType.Double)).clone();
        }
    }

    /** Any real tensor's values as float64, row-major. */
    public static double[] values(Tensor t) {
        Tensor c = t.detach().to(new Device(torch.DeviceType.CPU), torch.ScalarType.Double).contiguous();
        double[] out = new double[Math.toIntExact(c.numel())];
        c.data_ptr_double().get(out);
        return out;
    }

    /** {@code t} as a float64 tensor. */
    public static Tensor cast(Tensor t) {
        return t.to(torch.ScalarType.Double);
    }

    static long[] shape(Tensor t) {
        return Tensors.shape(t);
    }
}
