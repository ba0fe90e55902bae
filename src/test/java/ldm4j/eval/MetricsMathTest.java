package ldm4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ldm4j.torch.StepScope;
import ldm4j.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class MetricsMathTest {

    static Tensor matrix(double... v) {
        int n = (int) Math.round(Math.sqrt(v.length));
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return Tensors.fromFloats(f, n, n).to(torch.ScalarType.Double);
    }

    static Tensor vector(double... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return Tensors.fromFloats(f, v.length).to(torch.ScalarType.Double);
    }

    @Test
    void distanceOfASetToItselfIsZero() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(0);
            Tensor x = torch.randn(500, 16).matmul(torch.randn(16, 16));
            FeatureStatistics st = FeatureStatistics.of(x);
            assertEquals(0.0, FrechetDistance.between(st, st), 1e-8);
        }
    }

    @Test
    void diagonalGaussiansMatchTheClosedForm() {
        try (StepScope s = StepScope.open()) {
            // commuting covariances: d^2 = |dmu|^2 + sum (sqrt(a) - sqrt(b))^2
            double d = FrechetDistance.between(vector(1, 2, 3), matrix(4, 0, 0, 0, 9, 0, 0, 0, 1),
                    vector(0, 2, 5), matrix(1, 0, 0, 0, 4, 0, 0, 0, 16));
            double expected = (1 + 0 + 4) + (1 + 1 + 9);
            assertEquals(expected, d, 1e-9);
        }
    }

    @Test
    void nonCommutingTwoByTwoMatchesTheClosedForm() {
        try (StepScope s = StepScope.open()) {
            // For 2x2 PSD M: Tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)), with tr M = tr(S1 S2), det M = det S1 det S2
            double[] a = {2.0, 0.7, 0.7, 1.0};
            double[] b = {1.0, -0.4, -0.4, 3.0};
            double trS1S2 = a[0] * b[0] + a[1] * b[2] + a[2] * b[1] + a[3] * b[3];
            double det = (a[0] * a[3] - a[1] * a[2]) * (b[0] * b[3] - b[1] * b[2]);
            double expected = 0.25 + 3.0 + 4.0 - 2 * Math.sqrt(trS1S2 + 2 * Math.sqrt(det));
            double d = FrechetDistance.between(vector(0, 0.5), matrix(a), vector(0, 0), matrix(b));
            assertEquals(expected, d, 1e-6);
        }
    }

    @Test
    void illConditionedCovariancesStayFiniteAndCorrect() {
        try (StepScope s = StepScope.open()) {
            // eigenvalues spanning 12 orders of magnitude and an exactly singular direction, rotated
            Tensor q = torch.linalg_qr(torch.randn(4, 4).to(torch.ScalarType.Double)).get0();
            Tensor l1 = vector(1.0, 1e-6, 1e-12, 0.0);
            Tensor l2 = vector(2.0, 1e-6, 0.0, 1e-9);
            Tensor c1 = q.mul(l1.unsqueeze(0)).matmul(q.t());
            Tensor c2 = q.mul(l2.unsqueeze(0)).matmul(q.t());
            double d = FrechetDistance.between(vector(0, 0, 0, 0), c1, vector(0, 0, 0, 0), c2);
            double expected = Math.pow(1 - Math.sqrt(2), 2) + Math.pow(Math.sqrt(1e-12), 2) + Math.pow(Math.sqrt(1e-9), 2);
            assertTrue(Double.isFinite(d));
            assertEquals(expected, d, 1e-6);
        }
    }

    @Test
    void precisionRecallOnSetsWithKnownOverlap() {
        try (StepScope s = StepScope.open()) {
            torch.manual_seed(1);
            Tensor real = torch.randn(400, 8);
            PrecisionRecall same = PrecisionRecall.of(real, real, 3);
            assertEquals(1.0, same.precision(), 1e-12);
            assertEquals(1.0, same.recall(), 1e-12);
            Tensor far = torch.randn(400, 8).add(new Scalar(100));
            PrecisionRecall disjoint = PrecisionRecall.of(real, far, 3);
            assertEquals(0.0, disjoint.precision(), 1e-12);
            assertEquals(0.0, disjoint.recall(), 1e-12);
            // half of the fakes from the real distribution, half far away: precision ~0.5, recall high
            Tensor half = torch.cat(new TensorVector(torch.randn(400, 8), torch.randn(400, 8)
                    .add(new Scalar(100))), 0);
            PrecisionRecall mixed = PrecisionRecall.of(real, half, 3);
            assertEquals(0.5, mixed.precision(), 0.08);
            assertTrue(mixed.recall() > 0.8, "recall " + mixed.recall());
        }
    }
}
