package ldm4j.eval.adm;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ADM's {@code compute_inception_score} (after improved-gan): class probabilities p(y|x) = softmax of
 * the Inception logits (the FID network's 1008 logits without bias, as ADM's softmax graph takes only
 * the {@code softmax/logits/MatMul} weights), cut into consecutive splits of {@code splitSize} (5,000:
 * 10 splits for 50,000 samples); per split exp(mean_x KL(p(y|x) || p(y))), averaged over the splits.
 * In float64.
 */
public final class InceptionScore {
    public static final int SPLIT_SIZE = 5000;

    private InceptionScore() {
    }

    /** The score of logits (N, C) with ADM's split size. */
    public static double of(Tensor logits) {
        return of(logits, SPLIT_SIZE);
    }

    public static double of(Tensor logits, int splitSize) {
        Tensor p = torch.softmax(Float64.cast(logits), 1, new ScalarTypeOptional());    // (N, C)
        long n = p.size(0);
        if (n < 1 || splitSize < 1) {
            throw new IllegalArgumentException(n + " samples in splits of " + splitSize);
        }
        double sum = 0;
        int splits = 0;
        for (long from = 0; from < n; from += splitSize) {
            Tensor part = p.narrow(0, from, Math.min(splitSize, n - from));             // (s, C)
            Tensor marginal = part.mean(new long[]{0}, true, new ScalarTypeOptional());  // (1, C)
            Tensor kl = part.mul(part.log().sub(marginal.log()));                        // (s, C)
            double meanKl = kl.sum(new long[]{1}).mean().item_double();
            sum += Math.exp(meanKl);
            splits++;
        }
        return sum / splits;
    }

    static LongOptional dim(long d) {
        return new LongOptional(d);
    }
}
