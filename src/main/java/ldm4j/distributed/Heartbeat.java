package ldm4j.distributed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.bytedeco.pytorch.TCPStore;

/**
 * Which rank is lost when a collective fails: every rank bumps its own counter in the job's TCP store
 * twice a second from a daemon thread; after a failure, a rank whose counter stands still for a
 * couple of seconds has died or hangs (a stopped process stops all its threads). If the store itself
 * does not answer within seconds, rank 0, which serves it, is the lost one. Gloo's own errors name no
 * rank. The diagnosis adds at most WINDOW + 2 x ANSWER to the failure.
 */
final class Heartbeat implements AutoCloseable {
    static final Duration PERIOD = Duration.ofMillis(500);
    /** How long the counters are watched after a failure. */
    static final Duration WINDOW = Duration.ofSeconds(2);
    /** How long the store may take to answer the diagnosis. */
    static final Duration ANSWER = Duration.ofSeconds(3);

    private final TCPStore store;
    private final int rank;
    private final int world;
    private final Thread thread;
    private volatile boolean running = true;

    /** Starts beating; {@code store} must outlive {@link #close()}. */
    Heartbeat(TCPStore store, int rank, int world) {
        this.store = store;
        this.rank = rank;
        this.world = world;
        this.thread = new Thread(this::beat, "ldm4j-heartbeat");
        thread.setDaemon(true);
        thread.start();
    }

    private static String key(int rank) {
        return "ldm4j/heartbeat/" + rank;
    }

    private void beat() {
        while (running) {
            try {
                store.add(key(rank), 1);
            } catch (RuntimeException e) {
                // the store is unreachable: the others find out in their next collective
            }
            try {
                Thread.sleep(PERIOD.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * The ranks other than this one whose counters did not move during {@link #WINDOW}; [0] if the
     * store (served by rank 0) does not answer; empty if every rank is alive.
     */
    List<Integer> lostRanks() {
        try {
            long[] before = countersWithin(ANSWER);
            Thread.sleep(WINDOW.toMillis());
            long[] after = countersWithin(ANSWER);
            List<Integer> lost = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                if (r != rank && after[r] == before[r]) {
                    lost.add(r);
                }
            }
            return lost;
        } catch (RuntimeException | ExecutionException | TimeoutException e) {
            return rank == 0 ? List.of() : List.of(0);                     // the store does not answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /**
     * Every rank's counter, or a TimeoutException: a store call to a stopped rank 0 blocks (the store's
     * timeout does not bound it), so it runs in a pool thread that is left behind if it never returns.
     */
    private long[] countersWithin(Duration wait) throws ExecutionException, TimeoutException, InterruptedException {
        return CompletableFuture.supplyAsync(this::counters).get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private long[] counters() {
        long[] c = new long[world];
        for (int r = 0; r < world; r++) {
            c[r] = store.add(key(r), 0);
        }
        return c;
    }

    /**
     * Stops beating. True if the thread has ended, so the store may be freed; false if it is stuck in a
     * store call to a hung rank 0 (then the store must be left alone: the process is failing anyway).
     */
    boolean stop(Duration wait) {
        running = false;
        thread.interrupt();
        try {
            thread.join(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(1));
    }
}
