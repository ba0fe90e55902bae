package ldm4j.diffusion;

import org.bytedeco.pytorch.Tensor;

/** Fresh Gaussian noise for step {@code step} of a stochastic sampler, shape like the batch. */
@FunctionalInterface
public interface StepNoise {

    Tensor at(int step, long[] shape);

    /** For deterministic samplers: asking for noise is a bug. */
    static StepNoise none() {
        return (step, shape) -> {
            throw new IllegalStateException("this sampler configuration is deterministic and has no step noise");
        };
    }
}
