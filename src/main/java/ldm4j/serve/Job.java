package ldm4j.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ldm4j.sample.SampleRequest;

/**
 * One generation job of the server: its request, state, progress and finished PNGs. Thread-safe:
 * the worker updates it, HTTP threads read it and wait for changes ({@link #awaitChange}).
 */
public final class Job {
    public enum State { QUEUED, RUNNING, DONE, FAILED, CANCELLED }

    /** One finished image: its PNG (with the settings chunks) and what it is. */
    public record Image(int index, String className, byte[] png, String parameters) {
    }

    private final String id;
    private final SampleRequest request;
    private final List<String> imageClasses;
    private State state = State.QUEUED;
    private int step;
    private int totalSteps;
    private String error;
    private boolean cancelRequested;
    private long version;
    private long startedNanos;
    private double seconds;
    private final Map<Integer, Image> images = new TreeMap<>();

    public Job(String id, SampleRequest request, List<String> imageClasses) {
        this.id = id;
        this.request = request;
        this.imageClasses = List.copyOf(imageClasses);
    }

    public String id() {
        return id;
    }

    public SampleRequest request() {
        return request;
    }

    public List<String> imageClasses() {
        return imageClasses;
    }

    public int imageCount() {
        return request.classes().size();
    }

    /** What the HTTP side reads: a consistent copy. */
    public record Snapshot(String id, State state, int step, int totalSteps, List<Image> images, String error,
                           double seconds, long version) {
        public boolean finished() {
            return state == State.DONE || state == State.FAILED || state == State.CANCELLED;
        }
    }

    public synchronized Snapshot snapshot() {
        double secs = state == State.RUNNING ? (System.nanoTime() - startedNanos) / 1e9 : seconds;
        return new Snapshot(id, state, step, totalSteps, new ArrayList<>(images.values()), error, secs, version);
    }

    /** Waits until the job changed after {@code seen} (or the timeout passed) and returns it. */
    public synchronized Snapshot awaitChange(long seen, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (version == seen) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return snapshot();
    }

    /**
     * Seconds until this job ends: from its progress once a step has run (elapsed x left / done),
     * else its images x steps times {@code secondsPerImageStep} (10 s when that is unknown, NaN).
     */
    public synchronized double secondsLeft(double secondsPerImageStep) {
        if (state != State.RUNNING && state != State.QUEUED) {
            return 0;
        }
        if (state == State.RUNNING && step > 0 && totalSteps > step) {
            double elapsed = (System.nanoTime() - startedNanos) / 1e9;
            return elapsed * (totalSteps - step) / step;
        }
        double work = (double) imageCount() * request.steps();
        return Double.isNaN(secondsPerImageStep) ? 10 : work * secondsPerImageStep;
    }

    public synchronized Image image(int index) {
        return images.get(index);
    }

    /** Asks the job to stop: a queued job is cancelled at once, a running one at its next network evaluation. */
    public synchronized boolean cancel() {
        if (state == State.QUEUED) {
            state = State.CANCELLED;
            changed();
            return true;
        }
        if (state == State.RUNNING) {
            cancelRequested = true;
            return true;
        }
        return false;
    }

    synchronized boolean cancelRequested() {
        return cancelRequested;
    }

    /** Marks the job running unless it was cancelled while queued. */
    synchronized boolean start() {
        if (state != State.QUEUED) {
            return false;
        }
        state = State.RUNNING;
        startedNanos = System.nanoTime();
        changed();
        return true;
    }

    synchronized void progress(int done, int total) {
        step = done;
        totalSteps = total;
        changed();
    }

    synchronized void addImage(Image image) {
        images.put(image.index(), image);
        changed();
    }

    synchronized void finish(State end, String message) {
        state = end;
        error = message;
        seconds = (System.nanoTime() - startedNanos) / 1e9;
        changed();
    }

    private void changed() {
        version++;
        notifyAll();
    }
}
