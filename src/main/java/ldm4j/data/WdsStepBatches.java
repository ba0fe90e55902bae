package ldm4j.data;

import java.util.Arrays;

import org.bytedeco.pytorch.global.torch;

/**
 * Training batches by step from streamed tar shards ({@link WdsStream}), for one data-parallel rank.
 * <p>
 * Epoch length: rank r reads the shards at positions r, r + W, ... of the epoch's shard order (W ranks), so how many
 * samples it gets changes with the order when shards differ in size. Every rank takes the same number of steps per
 * epoch, fixed for the run: the samples of the {@code floor(S / W)} smallest of the S shards, divided by the rank's
 * batch (rounded down). With one rank that is every sample, the last incomplete batch dropped; with W ranks a rank
 * leaves the few samples beyond that number unread in an epoch whose shards are larger (WebDataset's
 * {@code with_epoch}).
 * <p>
 * Resume: step k is batch {@code k mod perEpoch} of epoch {@code k / perEpoch}, read from that sample position of the
 * rank's stream ({@link WdsStream#epoch(int, long)}), so a resumed run gets the batches of an uninterrupted one.
 */
public final class WdsStepBatches implements TrainBatches {
    /** Samples in each loader worker's shuffle buffer (WebDataset's usual {@code shuffle(1000)}). */
    public static final int SHUFFLE_BUFFER = 1000;

    private final WdsStream stream;
    private final long perEpoch;
    private final int callerThreads;
    private WdsStream.Epoch current;
    private long currentEpoch = -1;
    private long next = -1;

    public WdsStepBatches(WdsStream stream, long perEpoch) {
        if (perEpoch < 1) {
            throw new IllegalArgumentException("perEpoch must be positive");
        }
        this.stream = stream;
        this.perEpoch = perEpoch;
        this.callerThreads = torch.get_num_threads();
    }

    /**
     * The batches of rank {@code rank} of {@code worldSize}, each of {@code batch} samples, from {@code data}'s shards
     * with {@code workers} loader threads, {@code prefetch} batches decoded ahead.
     */
    public static WdsStepBatches of(ShardImages data, Transform transform, ImageDecoder decoder, int batch, boolean flip,
                                    long seed, int rank, int worldSize, int workers, int prefetch) {
        long perEpoch = batchesPerEpoch(data, batch, worldSize);
        int perWorker = Math.max(1, (int) Math.min(1 << 16, (long) prefetch * batch / workers));
        WdsStream stream = new WdsStream(data.shards(), data.classes().size(), transform, decoder, batch, seed, rank,
                worldSize, workers, SHUFFLE_BUFFER, flip, perWorker);
        return new WdsStepBatches(stream, perEpoch);
    }

    /** Steps per epoch for every rank: the {@code floor(S / W)} smallest shards' samples over the rank's batch. */
    public static long batchesPerEpoch(ShardImages data, int batch, int worldSize) {
        int s = data.shards().size();
        if (s < worldSize) {
            throw new DataException(data.source() + " has " + s + " shard" + (s == 1 ? "" : "s") + " for " + worldSize
                    + " data-parallel ranks, and every rank reads its own shards: write at least " + worldSize
                    + " shards ('bin/ldm4j shards --per-shard N' with a smaller N)");
        }
        int[] counts = new int[s];
        for (int i = 0; i < s; i++) {
            counts[i] = data.samplesIn(i);
        }
        Arrays.sort(counts);
        long least = 0;
        for (int i = 0; i < s / worldSize; i++) {
            least += counts[i];
        }
        long per = least / batch;
        if (per < 1) {
            throw new DataException(data.source() + " gives each of the " + worldSize + " rank" + (worldSize == 1 ? "" : "s")
                    + " at least " + least + " samples per epoch, fewer than one batch of " + batch
                    + ": lower the batch size or write more samples");
        }
        return per;
    }

    @Override
    public Batch at(long step) {
        long epoch = step / perEpoch;
        long b = step % perEpoch;
        if (current == null || step != next || epoch != currentEpoch) {
            closeEpoch();
            current = stream.epoch(Math.toIntExact(epoch), b * stream.batchSize());
            currentEpoch = epoch;
        }
        next = step + 1;
        if (!current.hasNext()) {
            throw new DataException("the shards ended before batch " + b + " of epoch " + epoch + ": a shard changed "
                    + "while training; re-create the shards and start again");
        }
        return current.next();
    }

    @Override
    public long batchesPerEpoch() {
        return perEpoch;
    }

    private void closeEpoch() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    /** Stops the workers and restores the creating thread's libtorch thread count (as {@link DataLoader#close}). */
    @Override
    public void close() {
        closeEpoch();
        torch.set_num_threads(callerThreads);
    }
}
