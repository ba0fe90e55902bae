package ldm4j.sample;

import java.util.function.IntConsumer;

/**
 * What a caller hears while images are generated, and how it stops them: {@link #cancelled} is
 * asked before every network evaluation; when it answers true, generation ends with a
 * {@link java.util.concurrent.CancellationException}.
 */
public interface SampleListener {

    /** {@code done} of {@code total} sampler steps (over all batches) have run. */
    default void step(int done, int total) {
    }

    /** Image {@code index} of the request is decoded: (3, height, width) floats in [-1, 1]. */
    default void image(int index, float[] chw, int height, int width) {
    }

    /** Called once per finished batch with its number of images. */
    default void batch(int images) {
    }

    default boolean cancelled() {
        return false;
    }

    /** Only the per-batch count, as the older callback. */
    static SampleListener batches(IntConsumer onBatch) {
        return new SampleListener() {
            @Override
            public void batch(int images) {
                onBatch.accept(images);
            }
        };
    }
}
