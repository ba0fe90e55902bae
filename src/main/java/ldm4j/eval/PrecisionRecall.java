package ldm4j.eval;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of
 * balls around its points with radius the distance to the k-th nearest neighbour within the set.
 * Precision is the fraction of generated points inside the real manifold; recall the fraction of
 * real points inside the generated manifold.
 */
public record PrecisionRecall(double precision, double recall, int k) {

    public static PrecisionRecall of(Tensor real, Tensor fake, int k) {
        Tensor r = real.to(torch.ScalarType.Double);
        Tensor f = fake.to(torch.ScalarType.Double);
        if (r.size(0) <= k || f.size(0) <= k) {
            throw new IllegalArgumentException("need more than k = " + k + " points in each set");
        }
        return new PrecisionRecall(coverage(r, f, k), coverage(f, r, k), k);
    }

    /** Fraction of {@code query} points inside the k-NN manifold of {@code support}. */
    static double coverage(Tensor support, Tensor query, int k) {
        Tensor radii = kthNeighbourDistance(support, k);                        // (Ns,)
        Tensor d = torch.cdist(query, support);                                 // (Nq, Ns)
        Tensor inside = d.le(radii.unsqueeze(0)).any(1);                        // (Nq,)
        return inside.to(torch.ScalarType.Double).mean().item_double();
    }

    /** Distance of each point to its k-th nearest other point of the same set. */
    static Tensor kthNeighbourDistance(Tensor x, int k) {
        Tensor d = torch.cdist(x, x);                                           // (N, N), 0 on the diagonal
        return d.kthvalue(k + 1, 1, false).get0();                              // k+1: the point itself is 1st
    }
}
