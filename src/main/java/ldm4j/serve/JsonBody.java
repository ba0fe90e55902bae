package ldm4j.serve;

import java.io.IOException;
import java.io.InputStream;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;

/**
 * A request body read within bounds and parsed as strict JSON: one value and nothing after it,
 * each key once, at most {@value #MAX_DEPTH} levels deep, standard numbers only. Errors are
 * {@link BadRequest}s whose messages say where the body is wrong, in words (no parser internals).
 */
final class JsonBody {
    static final int MAX_DEPTH = 16;
    private static final String TRAILING = "there is more after the JSON value: send one JSON object and nothing else";
    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    static {
        STRICT.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                .maxNumberLength(64).build());
    }

    /** Thrown when the body is larger than {@link HttpLimits#MAX_BODY}: answered 413. */
    static final class TooLarge extends Exception {
        TooLarge() {
            super("the body is larger than " + (HttpLimits.MAX_BODY >> 20) + " MB: send a smaller start image");
        }
    }

    private JsonBody() {
    }

    /**
     * The body's bytes; a body declared or found larger than the limit is read to its end (up to
     * {@link HttpLimits#DRAIN}, and within the request deadline) and dropped, so the client, still
     * sending, receives the 413 instead of a reset connection.
     */
    static byte[] read(HttpExchange ex) throws IOException, TooLarge {
        long declared = contentLength(ex);
        try (InputStream in = ex.getRequestBody()) {
            if (declared > HttpLimits.MAX_BODY) {
                drain(in, declared);
                throw new TooLarge();
            }
            byte[] body = in.readNBytes(HttpLimits.MAX_BODY + 1);
            if (body.length > HttpLimits.MAX_BODY) {
                drain(in, HttpLimits.DRAIN);
                throw new TooLarge();
            }
            return body;
        }
    }

    private static void drain(InputStream in, long declared) throws IOException {
        if (declared <= HttpLimits.DRAIN) {
            byte[] sink = new byte[64 << 10];
            long left = declared;
            for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) {
                left -= n;
            }
        }
    }

    private static long contentLength(HttpExchange ex) {
        String v = ex.getRequestHeaders().getFirst("Content-Length");
        try {
            return v == null ? -1 : Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return -1;                                          // the JDK refuses a malformed length itself
        }
    }

    /** The JSON value of {@code body}; a {@link BadRequest} says where and what is wrong. */
    static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new BadRequest(null, "the body is empty: send a JSON object such as {\"class\": 0, \"n\": 4}", "a JSON object");
        }
        boolean oneValue = false;
        try (JsonParser p = STRICT.createParser(body)) {
            JsonNode node = STRICT.readTree(p);
            oneValue = true;
            if (p.nextToken() != null) {
                throw new BadRequest(null, "the body is not valid JSON" + where(p.currentTokenLocation()) + ": " + TRAILING,
                        "a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new BadRequest(null, "the body is not valid JSON" + where(e.getLocation()) + ": "
                    + (oneValue ? TRAILING : reason(e)), "a JSON object");
        } catch (IOException e) {
            throw new BadRequest(null, "the body cannot be read as JSON: " + e.getClass().getSimpleName(), "a JSON object");
        }
    }

    private static String where(JsonLocation at) {
        return at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    /** The parser's complaint in plain words. */
    static String reason(JsonProcessingException e) {
        String m = String.valueOf(e.getOriginalMessage());
        if (m.startsWith("Duplicate field")) {
            return "a key appears twice (" + m.substring("Duplicate field ".length()) + "): give each field once";
        }
        if (m.contains("nesting depth") || m.contains("NestingDepth")) {
            return "nested more than " + MAX_DEPTH + " levels deep";
        }
        if (m.contains("Number value length") || m.contains("number length")) {
            return "a number has too many digits";
        }
        if (m.contains("end-of-input")) {
            return "it ends too early (an unclosed object, array or string)";
        }
        if (m.contains("Non-standard token") || m.contains("NaN") || m.contains("Infinity")) {
            return "NaN and Infinity are not JSON numbers";
        }
        return "unexpected text";
    }
}
