package ldm4j.data;

/**
 * The batch of training step k, for a loader read epoch after epoch: step k is batch
 * {@code k mod perEpoch} of epoch {@code k / perEpoch}. Reading steps in order streams through the
 * loader's prefetching epochs; any other step (a resume) starts the epoch iterator there.
 */
public final class StepBatches implements TrainBatches {
    private final DataLoader loader;
    private DataLoader.Epoch current;
    private long next = -1;
    private final boolean ownsLoader;

    public StepBatches(DataLoader loader) {
        this(loader, false);
    }

    /** With {@code ownsLoader}, closing these batches closes the loader too. */
    public StepBatches(DataLoader loader, boolean ownsLoader) {
        this.loader = loader;
        this.ownsLoader = ownsLoader;
    }

    @Override
    public Batch at(long step) {
        long perEpoch = loader.batchesPerEpoch();
        if (current == null || step != next || !current.hasNext()) {
            closeEpoch();
            current = loader.epoch(Math.toIntExact(step / perEpoch), (int) (step % perEpoch));
        }
        next = step + 1;
        return current.next();
    }

    @Override
    public long batchesPerEpoch() {
        return loader.batchesPerEpoch();
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
        if (ownsLoader) {
            loader.close();
        }
    }
}
