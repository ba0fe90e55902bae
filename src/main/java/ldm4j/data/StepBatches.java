package ldm4j.data;

/**
 * The batch of training step k, for a loader read epoch after epoch: step k is batch
 * {@code k mod perEpoch} of epoch {@code k / perEpoch}. Reading steps in order streams through the
 * loader's prefetching epochs; any other step (a resume) starts the epoch iterator there.
 */
public final class StepBatches implements AutoCloseable {
    private final DataLoader loader;
    private DataLoader.Epoch current;
    private long next = -1;

    public StepBatches(DataLoader loader) {
        this.loader = loader;
    }

    /** The batch of step {@code step}. */
    public Batch at(long step) {
        long perEpoch = loader.batchesPerEpoch();
        if (current == null || step != next || !current.hasNext()) {
            closeEpoch();
            current = loader.epoch(Math.toIntExact(step / perEpoch), (int) (step % perEpoch));
        }
        next = step + 1;
        return current.next();
    }

    /** The epoch step {@code step} belongs to. */
    public long epochOf(long step) {
        return step / loader.batchesPerEpoch();
    }

    private void closeEpoch() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Override
    public void close() {
        closeEpoch();
    }
}
