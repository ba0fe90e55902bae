package ldm4j.data;

/**
 * The batches a training loop draws, by step: step k is batch {@code k mod batchesPerEpoch()} of epoch
 * {@code k / batchesPerEpoch()}, the same batch whether the run got there uninterrupted or resumed at step k.
 * {@link StepBatches} serves them from an indexed dataset, {@link WdsStepBatches} from streamed tar shards.
 */
public interface TrainBatches extends AutoCloseable {

    /** The batch of step {@code step}. */
    Batch at(long step);

    /** Batches (steps) per epoch, the same on every data-parallel rank. */
    long batchesPerEpoch();

    /** The epoch step {@code step} belongs to. */
    default long epochOf(long step) {
        return step / batchesPerEpoch();
    }

    @Override
    void close();
}
