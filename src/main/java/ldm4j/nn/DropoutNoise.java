package ldm4j.nn;

import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Where the dropout masks of one training step come from: a generator the trainer seeds from (seed,
 * step), never libtorch's global one. Masks are drawn for the whole batch of {@code globalRows} rows
 * and this process keeps rows {@code [from, from + n)}, so a data-parallel rank drops exactly what one
 * process would drop for those images. Each call draws the next mask: the blocks run in the same order
 * on every rank.
 */
public final class DropoutNoise {
    private final GeneratorOptional generator;
    private final long globalRows;
    private final long from;

    /**
     * @param globalRows rows of the whole batch (0: the batch this process sees is the whole batch)
     * @param from       the first of this process's rows
     */
    public DropoutNoise(Generator generator, long globalRows, long from) {
        this.generator = new GeneratorOptional(generator);
        this.globalRows = globalRows;
        this.from = from;
    }

    /** Inverted dropout: {@code h * keep / (1 - p)} with keep ~ Bernoulli(1 - p) per element. h: (n, ...) */
    public Tensor apply(Tensor h, double p) {
        long[] shape = Tensors.shape(h);
        long n = shape[0];
        if (globalRows > 0) {
            shape[0] = globalRows;
        }
        Tensor u = torch.rand(shape, generator, new TensorOptions(torch.ScalarType.Float));  // on the CPU: any device
        if (globalRows > 0) {
            u = u.narrow(0, from, n);
        }
        Tensor keep = u.ge(new Scalar(p)).to(h.device(), h.scalar_type()).div(new Scalar(1 - p)); // (n, ...)
        return h.mul(keep);
    }
}
