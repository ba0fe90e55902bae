package ldm4j.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code metrics.jsonl}: one JSON object per logged event, appended and flushed, e.g.
 * {@code {"event":"train","step":100,"time":12.5,"loss":0.12}}. {@code time} is seconds since the log was opened.
 */
public final class MetricsLog implements AutoCloseable {
    private final ObjectMapper json = new ObjectMapper();
    private final BufferedWriter out;
    private final long start = System.nanoTime();

    public MetricsLog(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends one event; values may be numbers, strings or booleans. Non-finite numbers are written as strings. */
    public synchronized void log(String event, long step, Map<String, ?> values) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("event", event);
        row.put("step", step);
        row.put("time", Math.round((System.nanoTime() - start) / 1e6) / 1e3);
        for (Map.Entry<String, ?> e : values.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) {
                v = String.valueOf(v);
            }
            row.put(e.getKey(), v);
        }
        try {
            out.write(json.writeValueAsString(row));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to metrics log: " + e.getMessage(), e);
        }
    }

    /**
     * Marks a resume: {@code {"event":"resume","step":S,"time":0.0,"from":"<checkpoint>"}}. Rows
     * after it with steps at or below S replace the earlier ones (readers keep the last row per step).
     */
    public void resume(long step, Path checkpoint) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("from", String.valueOf(checkpoint));
        log("resume", step, v);
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
