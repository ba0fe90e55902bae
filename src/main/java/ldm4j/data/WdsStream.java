package ldm4j.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;

/**
 * Training batches streamed from WebDataset tar shards ({@code --data wds:PATTERN}), deterministic from
 * {@code (seed, epoch)}:
 * <ul>
 *   <li>the shard order of epoch e is a permutation drawn from (seed, e); shard i of that order goes to rank
 *   {@code i mod worldSize}, and the rank's j-th shard to loader worker {@code j mod workers}, so every sample is
 *   read once per epoch by exactly one worker of one rank;</li>
 *   <li>each worker reads its shards one after the other (one sequential pass per shard) through a shuffle buffer
 *   of {@code buffer} samples (WebDataset's {@code shuffle(n)}: a random buffered sample goes out for each sample
 *   that comes in), seeded by (seed, epoch, rank, worker);</li>
 *   <li>the rank's stream takes one sample from each worker in turn (skipping finished workers), so the order does
 *   not depend on thread timing; flips are drawn per sample from (seed, epoch, shard, member);</li>
 *   <li>{@link #epoch(int, long)} resumes at sample position p of the rank's stream: the first p samples are read
 *   through the same shards and buffers without being decoded, so the batches that follow equal an uninterrupted
 *   run's.</li>
 * </ul>
 * Decoding and cropping run on the worker threads; at most {@code prefetch} samples per worker wait.
 */
public final class WdsStream {
    private final List<Path> shards;
    private final int classes;
    private final Transform transform;
    private final ImageDecoder decoder;
    private final int batchSize;
    private final long seed;
    private final int rank;
    private final int worldSize;
    private final int workers;
    private final int buffer;
    private final boolean flip;
    private final int prefetch;

    public WdsStream(List<Path> shards, int classes, Transform transform, ImageDecoder decoder, int batchSize, long seed,
                     int rank, int worldSize, int workers, int buffer, boolean flip, int prefetch) {
        if (shards.isEmpty() || batchSize < 1 || workers < 1 || buffer < 1 || prefetch < 1 || classes < 1
                || worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("bad stream settings");
        }
        this.shards = List.copyOf(shards);
        this.classes = classes;
        this.transform = transform;
        this.decoder = decoder;
        this.batchSize = batchSize;
        this.seed = seed;
        this.rank = rank;
        this.worldSize = worldSize;
        this.workers = workers;
        this.buffer = buffer;
        this.flip = flip;
        this.prefetch = prefetch;
    }

    /** Shard indices (into the pattern's list) read by {@code worker} of this rank in epoch {@code epoch}, in order. */
    public List<Integer> shardsOf(int epoch, int worker) {
        int[] order = DataLoader.permutation(shards.size(), DataLoader.mix(seed, epoch, -2));
        List<Integer> out = new ArrayList<>();
        int j = 0;
        for (int i = 0; i < order.length; i++) {
            if (i % worldSize == rank) {
                if (j % workers == worker) {
                    out.add(order[i]);
                }
                j++;
            }
        }
        return out;
    }

    /** A raw sample of the stream: where it came from, its file bytes, its label. */
    record Raw(int shard, int member, TarSamples.Sample sample) {
    }

    /** One worker's samples: its shards in order through the shuffle buffer (not decoded). */
    final class WorkerStream implements AutoCloseable {
        private final List<Integer> mine;
        private final SplittableRandom rng;
        private final List<Raw> buf = new ArrayList<>();
        private int next;            // next of mine to open
        private TarSamples open;
        private int openShard;
        private int member;

        WorkerStream(int epoch, int worker) {
            this.mine = shardsOf(epoch, worker);
            this.rng = new SplittableRandom(DataLoader.mix(seed ^ 0x5DEECE66DL, epoch, rank * 1_000_003L + worker));
        }

        private Raw read() {
            while (true) {
                if (open == null) {
                    if (next == mine.size()) {
                        return null;
                    }
                    openShard = mine.get(next++);
                    open = new TarSamples(shards.get(openShard), classes);
                    member = 0;
                }
                TarSamples.Sample s = open.next();
                if (s != null) {
                    return new Raw(openShard, member++, s);
                }
                open.close();
                open = null;
            }
        }

        /** The next sample out of the buffer, or null when the worker's shards are done. */
        Raw next() {
            while (buf.size() < buffer) {
                Raw r = read();
                if (r == null) {
                    break;
                }
                buf.add(r);
            }
            if (buf.isEmpty()) {
                return null;
            }
            int j = rng.nextInt(buf.size());
            Raw out = buf.get(j);
            buf.set(j, buf.get(buf.size() - 1));
            buf.remove(buf.size() - 1);
            return out;
        }

        @Override
        public void close() {
            if (open != null) {
                open.close();
                open = null;
            }
        }
    }

    /** A decoded sample (or the end of a worker, or its error). */
    private record Item(float[] image, int label, Raw raw, RuntimeException error, boolean end) {
    }

    /** The batches of epoch {@code epoch} from sample position {@code skip} of this rank's stream. */
    public Epoch epoch(int epoch, long skip) {
        return new Epoch(epoch, skip);
    }

    public int batchSize() {
        return batchSize;
    }

    /** Batches of one epoch (the last incomplete one dropped); close it to stop the workers. */
    public final class Epoch implements Iterator<Batch>, AutoCloseable {
        private final int epoch;
        private final List<WorkerStream> streams = new ArrayList<>();
        private final List<BlockingQueue<Item>> queues = new ArrayList<>();
        private final boolean[] finished = new boolean[workers]; // the merge's state: finished workers and whose turn
        private int turn;
        private final ExecutorService pool;
        private long position;
        private Batch ahead;
        private boolean end;

        private Epoch(int epoch, long skip) {
            this.epoch = epoch;
            for (int w = 0; w < workers; w++) {
                streams.add(new WorkerStream(epoch, w));
                queues.add(new ArrayBlockingQueue<>(prefetch));
            }
            while (position < skip && takeRaw() != null) { // resume: the same merge over undecoded samples
                position++;
            }
            this.pool = Executors.newFixedThreadPool(workers, r -> {
                Thread t = new Thread(() -> {
                    torch.set_num_threads(1);
                    r.run();
                }, "ldm4j-wds");
                t.setDaemon(true);
                return t;
            });
            for (int w = 0; w < workers; w++) {
                if (finished[w]) {
                    streams.get(w).close();
                } else {
                    int wk = w;
                    pool.submit(() -> produce(wk));
                }
            }
        }

        private boolean anyLeft() {
            for (boolean f : finished) {
                if (!f) {
                    return true;
                }
            }
            return false;
        }

        /** The merge over undecoded samples (resume): one from each unfinished worker in turn. */
        private Raw takeRaw() {
            while (anyLeft()) {
                int w = turn;
                turn = (turn + 1) % workers;
                if (finished[w]) {
                    continue;
                }
                Raw r = streams.get(w).next();
                if (r != null) {
                    return r;
                }
                finished[w] = true;
            }
            return null;
        }

        /** The same merge over the workers' decoded samples. */
        private Item take() {
            while (anyLeft()) {
                int w = turn;
                turn = (turn + 1) % workers;
                if (finished[w]) {
                    continue;
                }
                Item it;
                try {
                    it = queues.get(w).take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new DataException("interrupted while reading shards", e);
                }
                if (it.error() != null) {
                    close();
                    throw it.error();
                }
                if (!it.end()) {
                    return it;
                }
                finished[w] = true;
            }
            return null;
        }

        private void produce(int w) {
            BlockingQueue<Item> q = queues.get(w);
            try (WorkerStream s = streams.get(w)) {
                Raw r;
                while ((r = s.next()) != null) {
                    String name = "shard " + shards.get(r.shard()) + " member " + r.sample().key() + "." + r.sample().imageExt();
                    RawImage img = decoder.decode(r.sample().image(), name);
                    boolean flipped = flip
                            && (DataLoader.mix(seed ^ 0x3C6EF372L, epoch, ((long) r.shard() << 32) | r.member()) & 1) == 1;
                    float[] x;
                    try (PointerScope scope = new PointerScope()) {
                        x = transform.apply(List.of(img), new boolean[]{flipped}); // (1, 3, R, R)
                    }
                    q.put(new Item(x, r.sample().label(), r, null, false));
                }
                q.put(new Item(null, 0, null, null, true));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                try {
                    q.put(new Item(null, 0, null, e, true));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public boolean hasNext() {
            if (ahead == null && !end) {
                ahead = build();
                end = ahead == null;
            }
            return ahead != null;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Batch b = ahead;
            ahead = null;
            return b;
        }

        private Batch build() {
            int r = transform.resolution();
            int per = 3 * r * r;
            float[] images = new float[batchSize * per];
            long[] labels = new long[batchSize];
            int[] indices = new int[batchSize];
            long first = position;
            for (int k = 0; k < batchSize; k++) {
                Item it = take();
                if (it == null) {
                    return null; // the incomplete last batch is dropped
                }
                System.arraycopy(it.image(), 0, images, k * per, per);
                labels[k] = it.label();
                indices[k] = (int) Math.min(Integer.MAX_VALUE, position);
                position++;
            }
            return new Batch(epoch, (int) (first / batchSize), images, labels, indices, r);
        }

        @Override
        public void close() {
            pool.shutdownNow();
            try {
                pool.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
