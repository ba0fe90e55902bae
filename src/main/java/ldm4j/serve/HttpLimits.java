package ldm4j.serve;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * How much the HTTP side may hold, so that slow or hostile clients cannot lock the others out.
 *
 * <p>The JDK's server reads a request's header on a handler thread, so a client that sends half a
 * request holds a thread. Two bounds keep the server answering: a deadline per request (the JDK's
 * own {@code sun.net.httpserver.maxReqTime}: a connection whose header and body are not fully read
 * within it is closed, which frees its thread) and an executor that never blocks the acceptor
 * ({@value #THREADS} threads started as needed, then {@value #WAITING} waiting requests, then a
 * refusal, which closes that one connection). The JDK reads its properties once per JVM, when its
 * first server starts: set here only when the user has not set them.
 */
final class HttpLimits {
    /** Handler threads at most: requests being read or answered at once (event streams included). */
    static final int THREADS = 256;
    /** Requests that may wait for a thread once all are busy (each waits at most a request deadline). */
    static final int WAITING = 1024;
    /** Open connections at most; more are closed as they arrive. */
    static final int CONNECTIONS = 2048;
    /** Open event streams at most (each holds a thread while its job runs); more answer 429. */
    static final int EVENT_STREAMS = 64;
    /** Largest request body: a JSON job with a base64 start image. */
    static final int MAX_BODY = 4 << 20;
    /** Larger bodies are still read (and discarded) up to this size, so every client sees the 413. */
    static final long DRAIN = 64L << 20;

    static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";
    static final String MAX_CONNECTIONS = "sun.net.httpserver.maxConnections";

    private HttpLimits() {
    }

    /** Asks the JDK's server to close a connection whose request takes longer than {@code seconds} to arrive. */
    static void configureJdk(int requestSeconds) {
        System.getProperties().putIfAbsent(MAX_REQUEST_TIME, Integer.toString(requestSeconds));
        System.getProperties().putIfAbsent(MAX_CONNECTIONS, Integer.toString(CONNECTIONS));
    }

    /** Threads start per request up to {@link #THREADS}, then requests queue, then they are refused (never blocks). */
    static ThreadPoolExecutor executor() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(WAITING), r -> {
                    Thread t = new Thread(r, "ldm4j-serve-http");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
