package ldm4j.diffusion;

import ldm4j.torch.BlockScope;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The memory ownership of a sampler loop, kept out of the samplers' formulas: each step runs in its own
 * scope and only the next state survives it; a state is freed once the next exists (never the caller's
 * x_T); a multistep sampler's history is {@link Carried} from step to step. Memory stays flat in the
 * number of steps.
 */
final class SamplerLoop {
    private SamplerLoop() {
    }

    /** One sampler step from state x at time t to the state at time u < t; i is the step's index. */
    @FunctionalInterface
    interface Step {
        Tensor apply(Tensor x, double t, double u, int i);
    }

    /** The sampler loop from the caller's x_T: see {@link #stepwise(Tensor, Tensor, double[], Step)}. */
    static Tensor stepwise(Tensor xT, double[] times, Step step) {
        return stepwise(xT, xT, times, step);
    }

    /**
     * Runs {@code step} over every interval of the grid from state {@code start}, each step in its own
     * memory scope (only the next state is kept), freeing each state once the next exists, except the
     * caller's {@code xT}.
     */
    static Tensor stepwise(Tensor xT, Tensor start, double[] times, Step step) {
        Tensor x = start;
        for (int i = 0; i + 1 < times.length; i++) {
            Tensor current = x;
            int k = i;
            x = BlockScope.call(() -> step.apply(current, times[k], times[k + 1], k));
            if (current != xT && current != x) {
                BlockScope.free(current);
            }
        }
        return x;
    }

    /**
     * A tensor a multistep sampler carries from one step to the next (k-diffusion's {@code old_denoised}),
     * owned by the scope around the sampler: setting a new one frees the old one.
     */
    static final class Carried {
        private final PointerScope owner = PointerScope.getInnerScope(); // null outside any scope
        private Tensor value;

        Tensor get() {
            return value;
        }

        /** Keeps t past the current step's scope and frees the previous value. */
        void set(Tensor t) {
            if (owner != null) {
                owner.attach(t);
            } else {
                t.retainReference(); // left to the garbage collector, as BlockScope does without a scope
            }
            BlockScope.free(value);
            value = t;
        }
    }
}
