package ldm4j.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The events of a run's {@code metrics.jsonl}, read back (for eval.json and the report). */
public record RunMetrics(List<JsonNode> events) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads every line; a missing file gives no events; a malformed line (a run killed mid-write, or
     * binary junk) is skipped, as is a line that is valid JSON but not an object.
     */
    public static RunMetrics read(Path file) {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return new RunMetrics(out);
        }
        try {
            // Decoded leniently: binary junk (a damaged file) becomes U+FFFD and its line is skipped below.
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
            for (String line : (Iterable<String>) text.lines()::iterator) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n != null && n.isObject()) {
                        out.add(n);
                    }
                } catch (IOException e) {
                    // a torn last line of an interrupted run
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return new RunMetrics(out);
    }

    /** Events named {@code event} in file order. */
    public List<JsonNode> all(String event) {
        return events.stream().filter(e -> event.equals(e.path("event").asText())).toList();
    }

    /** The last event named {@code event}. */
    public Optional<JsonNode> last(String event) {
        List<JsonNode> a = all(event);
        return a.isEmpty() ? Optional.empty() : Optional.of(a.get(a.size() - 1));
    }

    /** Selected numeric fields of the last {@code event}, or an empty map. */
    public Map<String, Object> lastFields(String event, String... fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        last(event).ifPresent(e -> {
            for (String f : fields) {
                if (e.has(f)) {
                    m.put(f, e.get(f).isNumber() ? (Object) e.get(f).asDouble() : e.get(f).asText());
                }
            }
        });
        return m;
    }
}
