package ldm4j.bench;

/**
 * Adds up the floating-point operations of the matmuls, convolutions and attention of passes through a
 * network, the way PyTorch's {@code torch.utils.flop_counter.FlopCounterMode} counts them: a multiply-add
 * is 2 FLOPs, bias additions, norms and elementwise ops are not counted. With {@code backward}, every layer
 * also counts its weight gradient (as much as its forward) and, unless its input needs no gradient (the
 * images or latents entering the first layer, the sinusoidal time features), its input gradient (as much
 * again). Attention is two batched matmuls forward
 * ({@code q k^T}, then the weights times {@code v}) and four backward: twice the forward. A fresh counter per count; not thread-safe.
 */
public final class FlopCounter {
    private final boolean backward;
    private long forwardFlops;
    private long backwardFlops;

    /** @param backward also count the backward pass of every layer counted */
    public FlopCounter(boolean backward) {
        this.backward = backward;
    }

    /**
     * A square conv on (batch, in, size, size): {@code 2 in out k^2 outSize^2} per image.
     *
     * @param inputGrad whether the backward pass computes the gradient of the conv's input
     * @return the output side {@code (size + 2 padding - kernel) / stride + 1}
     */
    public int conv(long batch, long in, long out, int kernel, int stride, int padding, int size, boolean inputGrad) {
        int outSize = (size + 2 * padding - kernel) / stride + 1;
        add(2 * batch * in * out * kernel * kernel * outSize * outSize, inputGrad);
        return outSize;
    }

    /** A linear layer on (rows, in): {@code 2 rows in out}. */
    public void linear(long rows, long in, long out, boolean inputGrad) {
        add(2 * rows * in * out, inputGrad);
    }

    /**
     * Scaled dot-product attention of (batch, heads, tokens, headDim) queries, keys and values: q k^T and
     * attn v, {@code 2 tokens^2 headDim} each per head; backward twice that (the inputs always need gradients).
     */
    public void attention(long batch, long heads, long tokens, long headDim) {
        add(2 * (2 * batch * heads * tokens * tokens * headDim), true);
    }

    /** A matmul's forward FLOPs, plus the weight gradient and (if {@code inputGrad}) the input gradient. */
    private void add(long flops, boolean inputGrad) {
        forwardFlops += flops;
        if (backward) {
            backwardFlops += inputGrad ? 2 * flops : flops;
        }
    }

    public long forward() {
        return forwardFlops;
    }

    public long backward() {
        return backwardFlops;
    }

    /** Forward plus backward. */
    public long total() {
        return forwardFlops + backwardFlops;
    }
}
