package ldm4j.bench;

import java.util.Arrays;

import ldm4j.torch.StepScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * This machine's dense matmul rate with libtorch: an n x n by n x n matmul ({@code 2 n^3} FLOPs) in fp32
 * and in bf16, the median of a few timed repetitions after one warm-up. The ceiling a step's achieved
 * GFLOP/s is compared with (bench/python/bench.py measures the same in PyTorch).
 *
 * @param size n; 0 when not measured (rates are then NaN)
 * @param fp32 GFLOP/s in fp32
 * @param bf16 GFLOP/s in bf16
 */
public record MatmulRate(int size, double fp32, double bf16) {
    /** Timed repetitions per precision. */
    public static final int REPEATS = 3;

    /** No measurement: every fraction of it is NaN. */
    public static MatmulRate none() {
        return new MatmulRate(0, Double.NaN, Double.NaN);
    }

    /** Measures both precisions on {@code device} with n x n matrices. */
    public static MatmulRate measure(int n, Device device) {
        if (n < 1) {
            return none();
        }
        return new MatmulRate(n, gflops(n, ScalarType.Float, device), gflops(n, ScalarType.BFloat16, device));
    }

    /** The rate of a row's precision ("fp32" or "bf16"). */
    public double of(String precision) {
        return switch (precision) {
            case "fp32" -> fp32;
            case "bf16" -> bf16;
            default -> throw new IllegalArgumentException("no matmul rate for precision '" + precision + "'");
        };
    }

    private static double gflops(int n, ScalarType dtype, Device device) {
        double[] seconds = new double[REPEATS];
        try (StepScope s = StepScope.open()) {
            Tensor a = torch.randn(n, n).to(device, dtype);                  // (n, n)
            Tensor b = torch.randn(n, n).to(device, dtype);                  // (n, n)
            for (int i = -1; i < REPEATS; i++) {                             // i = -1: warm-up
                long t0 = System.nanoTime();
                try (StepScope r = StepScope.open()) {
                    a.matmul(b).select(0, 0).select(0, 0).item_double();     // reading one element waits for the device
                }
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        Arrays.sort(seconds);
        return 2.0 * n * n * n / seconds[REPEATS / 2] / 1e9;
    }
}
