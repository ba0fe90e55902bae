package ldm4j.eval.adm;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * ADM's {@code ManifoldEstimator} (after Kynkaanniemi et al.'s improved precision and recall), with
 * its defaults: neighbourhood k = 3 and distances in blocks of 10,000 x 10,000. Distances are ADM's
 * squared Euclidean ones, {@code max(|u|^2 - 2 u.v + |v|^2, 0)}; a point's radius is the distance to
 * the (k+1)-th smallest of its row, counting the point itself. Precision is the fraction of samples
 * inside some reference ball, recall the fraction of references inside some sample ball.
 *
 * <p>ADM's TensorFlow graph first tries the distances in float16 (falling back to float32 when one
 * overflows); here they are float64, as in the NumPy twin the fixtures compare with: a point within a
 * float16 rounding of a radius can land on the other side.
 */
public final class ManifoldEstimator {
    public static final int K = 3;
    public static final int BATCH = 10_000;
    private final int rowBatch;
    private final int colBatch;

    public ManifoldEstimator() {
        this(BATCH, BATCH);
    }

    /** Smaller blocks bound memory (a 10,000 x 10,000 float64 block is 800 MB); the figures do not change. */
    public ManifoldEstimator(int rowBatch, int colBatch) {
        if (rowBatch < 1 || colBatch < 1) {
            throw new IllegalArgumentException("batch sizes " + rowBatch + ", " + colBatch);
        }
        this.rowBatch = rowBatch;
        this.colBatch = colBatch;
    }

    public record Result(double precision, double recall) {
    }

    /** ADM's {@code compute_prec_recall}: radii of both sets, then {@link #evaluatePr}. */
    public Result precisionRecall(Tensor reference, Tensor samples) {
        Tensor ref = Float64.cast(reference);
        Tensor smp = Float64.cast(samples);
        return evaluatePr(ref, radii(ref), smp, radii(smp));
    }

    /** ADM's {@code _batch_pairwise_distances}: (R, D), (C, D) -> squared distances (R, C). */
    static Tensor pairwiseDistances(Tensor u, Tensor v) {
        Tensor nu = u.mul(u).sum(new long[]{1}).reshape(-1, 1);                      // (R, 1)
        Tensor nv = v.mul(v).sum(new long[]{1}).reshape(1, -1);                      // (1, C)
        return nu.sub(u.matmul(v.t()).mul(new Scalar(2))).add(nv)
                .clamp(new ScalarOptional(new Scalar(0.0)), new ScalarOptional());   // (R, C)
    }

    /** ADM's {@code manifold_radii}: (N, D) -> (N,) distance to the k-th nearest other point (self counted first). */
    public Tensor radii(Tensor features) {
        Tensor f = Float64.cast(features);
        long n = f.size(0);
        if (n <= K) {
            throw new IllegalArgumentException("k-NN radii need more than k = " + K + " points, got " + n);
        }
        Tensor out = torch.zeros(new long[]{n}, new TensorOptions(torch.ScalarType.Double));
        for (long r0 = 0; r0 < n; r0 += rowBatch) {
            Tensor rows = f.narrow(0, r0, Math.min(rowBatch, n - r0));               // (R, D)
            Tensor best = null;                                                      // (R, <= k+1) smallest so far
            for (long c0 = 0; c0 < n; c0 += colBatch) {
                Tensor d = pairwiseDistances(rows, f.narrow(0, c0, Math.min(colBatch, n - c0)));   // (R, C)
                Tensor both = best == null ? d : torch.cat(new TensorVector(best, d), 1);
                long keep = Math.min(K + 1, both.size(1));
                best = both.topk(keep, 1, false, true).get0();                       // ascending
            }
            out.narrow(0, r0, rows.size(0)).copy_(best.select(1, K));
        }
        return out;
    }

    /** ADM's {@code evaluate_pr}: (precision, recall) of samples (2) against references (1). */
    public Result evaluatePr(Tensor features1, Tensor radii1, Tensor features2, Tensor radii2) {
        Tensor f1 = Float64.cast(features1);
        Tensor f2 = Float64.cast(features2);
        long n1 = f1.size(0);
        long n2 = f2.size(0);
        Tensor status1 = torch.zeros(new long[]{n1}, new TensorOptions(torch.ScalarType.Bool));
        Tensor status2 = torch.zeros(new long[]{n2}, new TensorOptions(torch.ScalarType.Bool));
        for (long b1 = 0; b1 < n1; b1 += rowBatch) {
            long l1 = Math.min(rowBatch, n1 - b1);
            Tensor batch1 = f1.narrow(0, b1, l1);
            Tensor r1 = radii1.narrow(0, b1, l1).to(torch.ScalarType.Double);        // (R,)
            for (long b2 = 0; b2 < n2; b2 += colBatch) {
                long l2 = Math.min(colBatch, n2 - b2);
                Tensor d = pairwiseDistances(batch1, f2.narrow(0, b2, l2));          // (R, C)
                Tensor r2 = radii2.narrow(0, b2, l2).to(torch.ScalarType.Double);    // (C,)
                Tensor in1 = d.le(r2.unsqueeze(0)).any(1);                           // (R,): reference inside a sample ball
                Tensor in2 = d.le(r1.unsqueeze(1)).any(0);                           // (C,): sample inside a reference ball
                status1.narrow(0, b1, l1).logical_or_(in1);
                status2.narrow(0, b2, l2).logical_or_(in2);
            }
        }
        double precision = status2.to(torch.ScalarType.Double).mean().item_double();
        double recall = status1.to(torch.ScalarType.Double).mean().item_double();
        return new Result(precision, recall);
    }
}
