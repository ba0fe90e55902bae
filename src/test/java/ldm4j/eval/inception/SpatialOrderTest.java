package ldm4j.eval.inception;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ldm4j.eval.adm.FidStatistics;
import ldm4j.torch.StepScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * sFID and the flatten order of the spatial features (B, 7, 17, 17): the Frechet distance between two
 * sets flattened the same way is the same in (C, H, W) and in TensorFlow's (H, W, C) order (a fixed
 * permutation of the coordinates leaves |mu1 - mu2|^2, the traces and Tr sqrt(S1 S2) unchanged), but
 * a reference batch's stored {@code mu_s}/{@code sigma_s} are in TensorFlow's order, so samples
 * flattened in the other order would be compared coordinate by coordinate with the wrong values.
 */
class SpatialOrderTest {

    /** (N, C, H, W) -> (N, C*H*W) in PyTorch's order, or (N, H*W*C) in TensorFlow's. */
    static Tensor flatten(Tensor x, boolean tensorflowOrder) {
        Tensor t = tensorflowOrder ? x.permute(0, 2, 3, 1) : x;
        return t.contiguous().reshape(x.size(0), -1);
    }

    @Test
    void flattenOrderDoesNotMatterForFdButMustMatchAStoredReference() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(7);
            // (400, 7, 3, 3): small spatial grids with correlated, channel-dependent values
            Tensor base = torch.randn(400, 7, 3, 3);
            Tensor a = torch.relu(base.add(torch.randn(1, 7, 1, 1)));                              // (400, 7, 3, 3)
            Tensor b = torch.relu(torch.randn(400, 7, 3, 3).mul(new Scalar(1.3)).add(torch.randn(1, 7, 3, 3)));
            double chw = FidStatistics.of(flatten(a, false)).frechetDistance(FidStatistics.of(flatten(b, false)));
            double hwc = FidStatistics.of(flatten(a, true)).frechetDistance(FidStatistics.of(flatten(b, true)));
            assertEquals(chw, hwc, 1e-9 * chw, "a fixed permutation of both sides leaves the Frechet distance unchanged");
            double mixed = FidStatistics.of(flatten(a, false)).frechetDistance(FidStatistics.of(flatten(a, true)));
            assertTrue(mixed > 0.1 * chw, "the same features in the two orders are far apart: " + mixed + " vs " + chw);
        }
    }
}
