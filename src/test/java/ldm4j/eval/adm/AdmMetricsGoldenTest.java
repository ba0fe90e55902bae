package ldm4j.eval.adm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import ldm4j.io.npz.NpzReader;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * ADM's figures on given features against the NumPy/SciPy twin of evaluations/evaluator.py
 * (scripts/fixtures/make_adm_metric_fixtures.py): FID, k = 3 radii, precision/recall and Inception
 * Score, each within 1e-6 relative.
 */
class AdmMetricsGoldenTest {
    static final double REL = 1e-6;
    static NpzReader golden;

    @BeforeAll
    static void open() throws Exception {
        golden = NpzReader.open(Path.of(AdmMetricsGoldenTest.class.getResource("/fixtures/adm/metrics.npz").toURI()));
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    static Tensor tensor(String name) {
        return Float64.of(golden.doubles(name), golden.header(name).shape());
    }

    static double scalar(String name) {
        return golden.doubles(name)[0];
    }

    static void assertRel(double want, double got, String what) {
        assertEquals(want, got, REL * Math.max(1e-12, Math.abs(want)), what);
    }

    @ParameterizedTest
    @ValueSource(strings = {"full", "lowrank"})
    void frechetDistanceEqualsAdms(String c) {
        FidStatistics sample = FidStatistics.of(tensor(c + "_sample"));
        FidStatistics ref = FidStatistics.of(tensor(c + "_ref"));
        assertRel(scalar(c + "_fid"), sample.frechetDistance(ref), c + " FID");
    }

    @ParameterizedTest
    @ValueSource(strings = {"full", "lowrank"})
    void radiiAndPrecisionRecallEqualAdms(String c) {
        for (int[] blocks : new int[][]{{ManifoldEstimator.BATCH, ManifoldEstimator.BATCH}, {7, 5}}) {
            ManifoldEstimator est = new ManifoldEstimator(blocks[0], blocks[1]);
            double[] want = golden.doubles(c + "_radii_ref");
            double[] got = Float64.values(est.radii(tensor(c + "_ref")));
            for (int i = 0; i < want.length; i++) {
                assertRel(want[i], got[i], c + " radius " + i);
            }
            ManifoldEstimator.Result pr = est.precisionRecall(tensor(c + "_ref"), tensor(c + "_sample"));
            assertEquals(scalar(c + "_precision"), pr.precision(), 1e-12, c + " precision");
            assertEquals(scalar(c + "_recall"), pr.recall(), 1e-12, c + " recall");
        }
    }

    @Test
    void inceptionScoreEqualsAdms() {
        int split = (int) golden.longs("is_split")[0];
        assertRel(scalar("is_score"), InceptionScore.of(tensor("is_logits"), split), "IS");
    }
}
