package ldm4j.distributed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The collectives data-parallel training needs, over libtorch's c10d process group (or nothing, for
 * one process): average gradients and numbers over ranks, broadcast rank 0's tensors, check that all
 * ranks agree on a value.
 */
public interface Collective extends AutoCloseable {

    int rank();

    int worldSize();

    /** Replaces every tensor by its mean over the ranks (in place). */
    void averageInPlace(List<Tensor> tensors);

    /** Copies rank 0's values into every rank's tensors (in place). */
    void broadcastInPlace(List<Tensor> tensors);

    /**
     * Replaces {@code t} by its sum over the ranks (in place); {@code doing} names the step in the
     * error if a rank is lost. A gather: each rank fills its own part and leaves zeros elsewhere, and
     * adding zeros is exact, so every rank ends with every rank's values bit for bit.
     */
    void sumInPlace(Tensor t, String doing);

    /** Waits until every rank has got here ({@code doing} names the step in the error if a rank is lost). */
    default void barrier(String doing) {
        if (worldSize() > 1) {
            sumInPlace(org.bytedeco.pytorch.global.torch.zeros(new long[]{1},
                    new TensorOptions(ScalarType.Float)), doing);
        }
    }

    /**
     * Averages the gradients of {@code parameters} over the ranks (parameters without a gradient are
     * skipped; every rank has the same ones).
     */
    default void averageGradients(Iterable<Tensor> parameters) {
        if (worldSize() == 1) {
            return;
        }
        List<Tensor> grads = new ArrayList<>();
        for (Tensor p : parameters) {
            Tensor g = p.grad();
            if (g.defined()) {
                grads.add(g);
            }
        }
        averageInPlace(grads);
    }

    /** Makes every rank start from rank 0's values of {@code parameters}. */
    default void broadcastParameters(Iterable<Tensor> parameters) {
        if (worldSize() == 1) {
            return;
        }
        List<Tensor> all = new ArrayList<>();
        parameters.forEach(all::add);
        broadcastInPlace(all);
    }

    /** The mean of {@code value} over the ranks. */
    double average(double value);

    /** Every value's mean over the ranks (one collective), in the same order; every rank has the same keys. */
    default Map<String, Double> average(Map<String, Double> values) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            out.put(e.getKey(), average(e.getValue()));
        }
        return out;
    }

    /**
     * Refuses to continue unless every rank passed the same {@code value} (e.g. the hash of the config
     * and the build); {@code what} names it in the error.
     */
    void requireSame(String what, String value);

    /** Wall time spent in collectives so far, in seconds (0 for one process). */
    default double secondsInCollectives() {
        return 0;
    }

    @Override
    void close();

    /** One process: every collective is the identity. */
    static Collective single() {
        return new Collective() {
            @Override
            public int rank() {
                return 0;
            }

            @Override
            public int worldSize() {
                return 1;
            }

            @Override
            public void averageInPlace(List<Tensor> tensors) {
            }

            @Override
            public void broadcastInPlace(List<Tensor> tensors) {
            }

            @Override
            public void sumInPlace(Tensor t, String doing) {
            }

            @Override
            public double average(double value) {
                return value;
            }

            @Override
            public void requireSame(String what, String value) {
            }

            @Override
            public void close() {
            }
        };
    }
}
