package ldm4j.serve;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Jobs run one at a time (one model, the CPU's cores) by a single worker thread, from a bounded
 * queue: {@link #submit} refuses a job when {@code capacity} jobs are already waiting. The last
 * {@code keep} jobs stay readable (their PNGs are held in memory) after they finish.
 */
public final class JobQueue implements AutoCloseable {
    private final BlockingQueue<Job> waiting;
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final int keep;
    private final Consumer<Job> runner;
    private final Thread worker;
    private volatile boolean closed;
    private volatile Job running;
    /** Seconds per sampler step of one image, from the last finished job (NaN before the first). */
    private volatile double secondsPerImageStep = Double.NaN;

    /** @param runner generates a job's images (the worker calls it; it reports through the job) */
    public JobQueue(int capacity, int keep, Consumer<Job> runner) {
        this.waiting = new ArrayBlockingQueue<>(capacity);
        this.keep = keep;
        this.runner = runner;
        this.worker = new Thread(this::work, "ldm4j-serve-worker");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Queues the job; false when the queue is full (or closed). */
    public boolean submit(Job job) {
        synchronized (jobs) {
            if (closed || !waiting.offer(job)) {
                return false;
            }
            jobs.put(job.id(), job);
            trim();
        }
        return true;
    }

    public Job get(String id) {
        synchronized (jobs) {
            return jobs.get(id);
        }
    }

    /** Jobs waiting ahead of this one (0 when it runs or ran). */
    public int position(Job job) {
        int i = 0;
        for (Job j : waiting) {
            if (j == job) {
                return i + 1;
            }
            i++;
        }
        return 0;
    }

    /**
     * Retry-After for a full queue: when a place frees, i.e. when the running job ends. Estimated
     * from its own progress (elapsed time x steps left / steps done), before its first step from the
     * last job's time per image and step, at least 1 s and at most an hour.
     */
    public int retryAfterSeconds() {
        Job r = running;
        double left = r == null ? 1 : r.secondsLeft(secondsPerImageStep);
        return (int) Math.max(1, Math.min(3600, Math.ceil(left)));
    }

    private void work() {
        while (!closed) {
            Job job;
            try {
                job = waiting.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (job == null || !job.start()) {
                continue;
            }
            running = job;
            long t0 = System.nanoTime();
            runner.accept(job);
            double work = (double) job.imageCount() * job.request().steps();
            if (job.snapshot().state() == Job.State.DONE) {
                secondsPerImageStep = (System.nanoTime() - t0) / 1e9 / work;
            }
            running = null;
        }
    }

    /** Drops the oldest finished jobs beyond {@code keep}. */
    private void trim() {
        int excess = jobs.size() - keep;
        for (Iterator<Job> it = jobs.values().iterator(); it.hasNext() && excess > 0; ) {
            if (it.next().snapshot().finished()) {
                it.remove();
                excess--;
            }
        }
    }

    /** Cancels every job (the running one at its next network evaluation) and stops the worker. */
    @Override
    public void close() {
        List<Job> all;
        synchronized (jobs) {
            closed = true;
            all = new ArrayList<>(jobs.values());
        }
        for (Job j : all) {
            j.cancel();
        }
        try {
            worker.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
