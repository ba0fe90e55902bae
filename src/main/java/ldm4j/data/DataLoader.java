package ldm4j.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;

/**
 * Batches of a dataset, prepared by worker threads ahead of the consumer.
 *
 * <ul>
 *   <li>Order: with {@code shuffle}, epoch e visits a permutation drawn from {@code (seed, e)}; the same
 *       seed gives the same order and the same flips, whatever the number of workers.</li>
 *   <li>At most {@code prefetch} batches are in flight (decoded or being decoded).</li>
 *   <li>{@code dropLast} drops the final incomplete batch (training); evaluation keeps it.</li>
 *   <li>A worker's exception reaches the consumer as the {@link DataException} naming the file.</li>
 * </ul>
 */
public final class DataLoader implements AutoCloseable {
    private final ImageDataset dataset;
    private final Transform transform;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean flip;
    private final boolean dropLast;
    private final long seed;
    private final int prefetch;
    private final ExecutorService workers;
    private final int callerThreads;
    private final int sliceFrom;  // the rows of every batch this loader builds: [sliceFrom, sliceFrom + sliceSize)
    private final int sliceSize;

    public DataLoader(ImageDataset dataset, Transform transform, int batchSize, boolean shuffle, boolean flip,
                      boolean dropLast, long seed, int workers, int prefetch) {
        this(dataset, transform, batchSize, shuffle, flip, dropLast, seed, workers, prefetch, 0, batchSize);
    }

    /**
     * A loader that builds only rows {@code [sliceFrom, sliceFrom + sliceSize)} of every batch (one rank's
     * part of a data-parallel batch): the same images and flips as those rows of the whole batch.
     */
    public DataLoader(ImageDataset dataset, Transform transform, int batchSize, boolean shuffle, boolean flip,
                      boolean dropLast, long seed, int workers, int prefetch, int sliceFrom, int sliceSize) {
        if (sliceFrom < 0 || sliceSize < 1 || sliceFrom + sliceSize > batchSize || (sliceSize != batchSize && !dropLast)) {
            throw new IllegalArgumentException("slice [" + sliceFrom + ", " + (sliceFrom + sliceSize) + ") of batch " + batchSize);
        }
        this.sliceFrom = sliceFrom;
        this.sliceSize = sliceSize;
        if (batchSize <= 0 || workers <= 0 || prefetch <= 0) {
            throw new IllegalArgumentException("batchSize, workers and prefetch must be positive");
        }
        if (dropLast && dataset.size() < batchSize) {
            throw new DataException(dataset.source() + " has " + dataset.size() + " images, fewer than one batch of "
                    + batchSize + ": lower the batch size");
        }
        this.dataset = dataset;
        this.transform = transform;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.flip = flip;
        this.dropLast = dropLast;
        this.seed = seed;
        this.prefetch = prefetch;
        AtomicInteger n = new AtomicInteger();
        this.callerThreads = torch.get_num_threads();
        this.workers = Executors.newFixedThreadPool(workers, r -> {
            // One libtorch thread per loader worker: its resize would otherwise fan out over the intra-op
            // pool that training uses, oversubscribing the cores (the OpenMP setting is per thread).
            Thread t = new Thread(() -> {
                torch.set_num_threads(1);
                r.run();
            }, "ldm4j-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** A training loader: shuffled, flipped (if enabled), last partial batch dropped. */
    public static DataLoader training(ImageDataset ds, Transform t, int batchSize, boolean flip, long seed, int workers,
                                      int prefetch) {
        return new DataLoader(ds, t, batchSize, true, flip, true, seed, workers, prefetch);
    }

    /** A training loader building rows {@code [from, from + size)} of every batch (one rank's share). */
    public static DataLoader training(ImageDataset ds, Transform t, int batchSize, boolean flip, long seed, int workers,
                                      int prefetch, int from, int size) {
        return new DataLoader(ds, t, batchSize, true, flip, true, seed, workers, prefetch, from, size);
    }

    /** An evaluation loader: dataset order, no flips, every image. */
    public static DataLoader evaluation(ImageDataset ds, Transform t, int batchSize, int workers, int prefetch) {
        return new DataLoader(ds, t, batchSize, false, false, false, 0, workers, prefetch);
    }

    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    public ImageDataset dataset() {
        return dataset;
    }

    /** The dataset indices in the order epoch {@code e} visits them. */
    public int[] order(int epoch) {
        return shuffle ? permutation(dataset.size(), mix(seed, epoch, -1)) : identity(dataset.size());
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates) from the given seed. */
    public static int[] permutation(int n, long seed) {
        int[] idx = identity(n);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    private static int[] identity(int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return idx;
    }

    /** Iterates epoch {@code epoch} from batch 0. */
    public Epoch epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /** Iterates epoch {@code epoch} starting at batch {@code firstBatch} (to resume mid-epoch). */
    public Epoch epoch(int epoch, int firstBatch) {
        return new Epoch(epoch, firstBatch);
    }

    /** Builds one batch; runs on a worker thread. */
    private Batch build(int epoch, int b, int[] order) {
        int from = b * batchSize;
        int to = Math.min(from + batchSize, order.length);
        int all = to - from;
        int first = Math.min(sliceFrom, all);
        int n = Math.min(sliceSize, all - first);    // the whole batch unless this loader builds a slice
        int[] indices = new int[n];
        long[] labels = new long[n];
        boolean[] flips = new boolean[n];
        SplittableRandom rng = new SplittableRandom(mix(seed, epoch, b));
        List<RawImage> images = new ArrayList<>(n);
        for (int k = 0; k < all; k++) {
            boolean flipped = flip && rng.nextBoolean(); // drawn for every row, so a slice sees the batch's flips
            if (k < first || k >= first + n) {
                continue;
            }
            int i = order[from + k];
            indices[k - first] = i;
            labels[k - first] = dataset.label(i);
            flips[k - first] = flipped;
            images.add(dataset.load(i));
        }
        try (PointerScope scope = new PointerScope()) {
            float[] x = transform.apply(images, flips);
            return new Batch(epoch, b, x, labels, indices, transform.resolution());
        }
    }

    static long mix(long seed, long epoch, long batch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + batch * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Stops the workers and restores the libtorch thread count of the thread that created the loader:
     * measured here, after the workers' {@code set_num_threads(1)} the creating thread was left with one
     * intra-op thread (a ResNet-9 step at batch 512 took 3.0 s instead of 1.6 s).
     */
    @Override
    public void close() {
        workers.shutdownNow();
        try { // no worker may be inside a native call when the JVM exits (libtorch crashes then)
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        torch.set_num_threads(callerThreads);
    }

    /** The batches of one epoch, in order; closing it cancels pending work. */
    public final class Epoch implements Iterator<Batch>, Iterable<Batch>, AutoCloseable {
        private final int epoch;
        private final int[] order;
        private final int end;
        private final ArrayDeque<Future<Batch>> inFlight = new ArrayDeque<>();
        private int nextToSubmit;
        private int nextToReturn;

        private Epoch(int epoch, int firstBatch) {
            if (firstBatch < 0 || firstBatch > batchesPerEpoch()) {
                throw new IllegalArgumentException("first batch " + firstBatch + " outside 0.." + batchesPerEpoch());
            }
            this.epoch = epoch;
            this.order = order(epoch);
            this.end = batchesPerEpoch();
            this.nextToSubmit = firstBatch;
            this.nextToReturn = firstBatch;
            fill();
        }

        private void fill() {
            while (inFlight.size() < prefetch && nextToSubmit < end) {
                int b = nextToSubmit++;
                inFlight.add(workers.submit(() -> build(epoch, b, order)));
            }
        }

        @Override
        public boolean hasNext() {
            return nextToReturn < end;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Future<Batch> f = inFlight.poll();
            try {
                Batch batch = f.get();
                nextToReturn++;
                fill();
                return batch;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new DataException("interrupted while loading " + dataset.source(), e);
            } catch (ExecutionException e) {
                close();
                Throwable c = e.getCause();
                if (c instanceof DataException de) {
                    throw de;
                }
                throw new DataException("loading a batch of " + dataset.source() + " failed: " + c, c);
            } catch (CancellationException e) {
                throw new DataException("the loader of " + dataset.source() + " was closed", e);
            }
        }

        @Override
        public Iterator<Batch> iterator() {
            return this;
        }

        @Override
        public void close() {
            for (Future<Batch> f : inFlight) {
                f.cancel(true);
            }
            inFlight.clear();
            nextToReturn = end;
        }
    }
}
