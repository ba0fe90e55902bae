package ldm4j.io;

import java.io.IOException;

/** A consumer that may throw IOException, e.g. the body that fills a file in {@link AtomicFiles}. */
@FunctionalInterface
public interface IOConsumer<T> {
    void accept(T value) throws IOException;
}
