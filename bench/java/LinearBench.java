// The DiT's matrix products alone, in libtorch through bytedeco, on one thread: every linear layer of a
// DiT-T/2 training step (forward y = x W^T + b, backward dX = dY W and dW = dY^T X) and the attention's
// batched products, each through three paths: at::linear / mm (BLAS: OpenBLAS in bytedeco's build),
// the same with flush-denormal on, and oneDNN (mkldnn_linear on mkldnn-layout tensors). Times are the
// calling thread's CPU time (ThreadMXBean), so other load on the machine does not count; with one intra-op
// thread and OPENBLAS_NUM_THREADS=1 the work runs on that thread. bench/python/linear_bench.py is its twin.
//
// The last line gives the wall time of the BLAS path too: with OPENBLAS_NUM_THREADS=2 OpenBLAS's own threads
// do the work (thread CPU time then misses them), which is how the wall times compare with PyTorch's MKL on
// two threads (bench/python/linear_bench.py ... 2).
//
// usage (after ./mvnw -o -DskipTests package):
//   OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 java -cp "target/lib/*" bench/java/LinearBench.java [tokens] [reps] [threads]
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.Supplier;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Context;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

public class LinearBench {
    static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** Median CPU milliseconds of {@code op} over {@code reps} runs after two warm-ups. */
    static double cpuMs(int reps, Supplier<Tensor> op) {
        double[] t = new double[reps];
        for (int i = -2; i < reps; i++) {
            try (PointerScope s = new PointerScope()) {
                long c0 = CPU.getCurrentThreadCpuTime();
                op.get();
                long c1 = CPU.getCurrentThreadCpuTime();
                if (i >= 0) {
                    t[i] = (c1 - c0) / 1e6;
                }
            }
        }
        java.util.Arrays.sort(t);
        return t[reps / 2];
    }

    public static void main(String[] args) {
        long m = args.length > 0 ? Long.parseLong(args[0]) : 8192;   // tokens: batch 128 x 64 patches
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        torch.set_num_threads(args.length > 2 ? Integer.parseInt(args[2]) : 1);
        System.out.println(torch.show_config().getString());
        System.out.println(torch.get_parallel_info().getString());
        torch.manual_seed(0);
        // DiT-T/2 (hidden 192): qkv, proj, fc1, fc2, final linear; per block count 6 blocks (final once)
        long[][] layers = {{192, 576, 6}, {192, 192, 6}, {192, 768, 6}, {768, 192, 6}, {192, 16, 1}};
        double[] total = new double[3];
        double wall = 0;
        System.out.printf("%-18s %10s %10s %10s %10s   (CPU ms, median of %d; tokens %d)%n",
                "layer in->out", "blas", "blas+FTZ", "onednn", "GFLOP", reps, m);
        for (long[] l : layers) {
            long in = l[0], out = l[1], count = l[2];
            Tensor x = torch.randn(m, in), w = torch.randn(out, in).mul(new org.bytedeco.pytorch.Scalar(0.05)),
                    b = torch.randn(out), dy = torch.randn(m, out);
            Supplier<Tensor> blas = () -> {
                torch.linear(x, w, b);                       // (M, out)
                torch.mm(dy, w);                             // dX (M, in)
                return torch.mm(dy.t(), x);                  // dW (out, in)
            };
            double a = cpuMs(reps, blas);
            long w0 = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                try (PointerScope scope = new PointerScope()) {
                    blas.get();
                }
            }
            wall += count * (System.nanoTime() - w0) / 1e6 / reps;
            double fwd = cpuMs(reps, () -> torch.linear(x, w, b)), dx = cpuMs(reps, () -> torch.mm(dy, w)),
                    dw = cpuMs(reps, () -> torch.mm(dy.t(), x));
            Context.setFlushDenormal(true);
            double ftz = cpuMs(reps, blas);
            Context.setFlushDenormal(false);
            Tensor xm = x.to_mkldnn(), wm = w.to_mkldnn(), dym = dy.to_mkldnn();
            double dnn = cpuMs(reps, () -> {
                torch.mkldnn_linear(xm, wm, new org.bytedeco.pytorch.TensorOptional(b));
                torch.mkldnn_linear_backward_input(new long[]{m, in}, dym, w);    // dY in mkldnn layout, W dense
                return torch.mkldnn_linear_backward_weights(dym, xm, w, true).get0();
            });
            double gflop = 3 * 2.0 * m * in * out / 1e9;
            System.out.printf("%4d->%-4d x%-6d %10.1f %10.1f %10.1f %10.2f   blas fwd %.1f dX %.1f dW %.1f%n",
                    in, out, count, a, ftz, dnn, gflop, fwd, dx, dw);
            total[0] += count * a;
            total[1] += count * ftz;
            total[2] += count * dnn;
        }
        // attention: (B heads, T, d) = (M / 64 * 3, 64, 64) products q k^T and (weights) v, forward only
        long bh = m / 64 * 3;
        Tensor q = torch.randn(bh, 64, 64), k = torch.randn(bh, 64, 64), v = torch.randn(bh, 64, 64);
        double att = cpuMs(reps, () -> torch.matmul(torch.softmax(torch.matmul(q, k.transpose(-2, -1)), -1), v));
        System.out.printf("%-18s %10.1f   (x6 blocks, forward only)%n", "attention fwd", att);
        System.out.printf("%-18s %10.1f %10.1f %10.1f%n", "linears x count", total[0], total[1], total[2]);
        System.out.printf("%-18s %10.1f   (wall ms, mean; intra-op threads %d, OPENBLAS_NUM_THREADS %s)%n", "linears blas wall",
                wall, torch.get_num_threads(), System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "unset"));
    }
}
