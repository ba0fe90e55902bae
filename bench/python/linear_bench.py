"""The DiT's matrix products alone in PyTorch on one thread: the twin of bench/java/LinearBench.java.

Every linear layer of a DiT-T/2 training step (forward y = x W^T + b, backward dX = dY W, dW = dY^T X) and
the attention's batched products, through F.linear / mm (BLAS: MKL in PyTorch's wheels), with flush-denormal
on, and through oneDNN (torch._C._nn.mkldnn_linear on mkldnn tensors). Times are this thread's CPU time.

The last line gives the BLAS path's wall time too: with threads = 2 MKL splits each product over both cores
(this thread's CPU time then misses the other's share).

usage: .venv-ref/bin/python bench/python/linear_bench.py [tokens] [reps] [threads]
"""
import sys
import time

import torch
import torch.nn.functional as F


def cpu_ms(reps, op):
    t = []
    for i in range(reps + 2):
        c0 = time.thread_time()
        op()
        c1 = time.thread_time()
        if i >= 2:
            t.append((c1 - c0) * 1e3)
    return sorted(t)[reps // 2]


def main():
    m = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    print(torch.__config__.show())
    print(torch.__config__.parallel_info())
    torch.manual_seed(0)
    layers = [(192, 576, 6), (192, 192, 6), (192, 768, 6), (768, 192, 6), (192, 16, 1)]
    total = [0.0, 0.0, 0.0]
    wall = 0.0
    print(f"{'layer in->out':18s} {'blas':>10s} {'blas+FTZ':>10s} {'onednn':>10s} {'GFLOP':>10s}   "
          f"(CPU ms, median of {reps}; tokens {m})")
    with torch.no_grad():
        for i, o, count in layers:
            x, w, b, dy = torch.randn(m, i), torch.randn(o, i) * 0.05, torch.randn(o), torch.randn(m, o)

            def blas():
                F.linear(x, w, b)
                dy.mm(w)
                return dy.t().mm(x)
            a = cpu_ms(reps, blas)
            w0 = time.perf_counter()
            for _ in range(reps):
                blas()
            wall += count * (time.perf_counter() - w0) * 1e3 / reps
            fwd, dx, dw = cpu_ms(reps, lambda: F.linear(x, w, b)), cpu_ms(reps, lambda: dy.mm(w)), cpu_ms(reps, lambda: dy.t().mm(x))
            torch.set_flush_denormal(True)
            ftz = cpu_ms(reps, blas)
            torch.set_flush_denormal(False)
            xm, wm, dym = x.to_mkldnn(), w.to_mkldnn(), dy.to_mkldnn()

            def dnn():
                torch._C._nn.mkldnn_linear(xm, wm, b)
                torch.ops.aten.mkldnn_linear_backward_input([m, i], dym, w)
                return torch.ops.aten.mkldnn_linear_backward_weights(dym, xm, w, True)
            d = cpu_ms(reps, dnn)
            print(f"{i:4d}->{o:<4d} x{count:<6d} {a:10.1f} {ftz:10.1f} {d:10.1f} {3 * 2.0 * m * i * o / 1e9:10.2f}   blas fwd {fwd:.1f} dX {dx:.1f} dW {dw:.1f}")
            total[0] += count * a
            total[1] += count * ftz
            total[2] += count * d
        bh = m // 64 * 3
        q, k, v = torch.randn(bh, 64, 64), torch.randn(bh, 64, 64), torch.randn(bh, 64, 64)
        att = cpu_ms(reps, lambda: torch.softmax(q @ k.transpose(-2, -1), -1) @ v)
        print(f"{'attention fwd':18s} {att:10.1f}   (x6 blocks, forward only)")
        print(f"{'linears x count':18s} {total[0]:10.1f} {total[1]:10.1f} {total[2]:10.1f}")
        print(f"{'linears blas wall':18s} {wall:10.1f}   (wall ms, mean; threads {torch.get_num_threads()})")


if __name__ == "__main__":
    main()
