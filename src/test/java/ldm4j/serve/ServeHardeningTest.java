package ldm4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LatentDiffusion;
import ldm4j.sample.PngBomb;
import ldm4j.sample.TinyRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** The HTTP edges of {@code serve}: bombs, odd methods and paths, strict JSON, large bodies, Retry-After. */
@Tag("slow") // child processes or a trained run: left out of ./mvnw test -Pfast
class ServeHardeningTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static LatentDiffusion ldm;

    @BeforeAll
    static void load() {
        ldm = LatentDiffusion.load(TinyRun.shared(), "cpu");
    }

    @AfterAll
    static void close() {
        ldm.close();
    }

    static Server server(int queue) throws Exception {
        return new Server(ldm, new ServerOptions("127.0.0.1", 0, null, queue, 16, 1000, 32), new SplittableRandom(1),
                new PrintWriter(new StringWriter()));
    }

    static HttpResponse<String> call(Server s, String method, String path, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(Server s, String body) throws Exception {
        return call(s, "POST", "/api/jobs", body.getBytes(StandardCharsets.UTF_8));
    }

    static String id(HttpResponse<String> r) throws Exception {
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("id").asText();
    }

    static JsonNode await(Server s, String id) throws Exception {
        long end = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < end) {
            JsonNode j = JSON.readTree(call(s, "GET", "/api/jobs/" + id, null).body());
            if (List.of("done", "failed", "cancelled").contains(j.path("state").asText())) {
                return j;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + id + " did not end");
    }

    @Test
    void aDecompressionBombAsStartImageIsRefusedBeforeDecoding() throws Exception {
        byte[] bomb = PngBomb.of(10_000);                                         // 100 megapixels in ~100 KB
        assertTrue(bomb.length < 1 << 20, "a small file: " + bomb.length);
        try (Server s = server(2)) {
            HttpResponse<String> r = post(s, "{\"class\": 0, \"steps\": 2, \"init\": {\"png\": \""
                    + Base64.getEncoder().encodeToString(bomb) + "\", \"strength\": 0.5}}");
            assertEquals(400, r.statusCode(), r.body());
            JsonNode e = JSON.readTree(r.body());
            assertEquals("init", e.path("field").asText());
            assertTrue(e.path("error").asText().contains("declares 10000x10000 = 100,000,000 pixels, above data.maxPixels"),
                    e.toString());
        }
    }

    @Test
    void httpEdgesAnswerWithTheRightStatus() throws Exception {
        try (Server s = server(2)) {
            String id = id(post(s, "{\"class\": 0, \"n\": 1, \"steps\": 1}"));
            await(s, id);
            assertEquals(404, call(s, "GET", "/api/jobs/" + id + "/images/99999999999999999999.png", null).statusCode(),
                    "an index beyond int is no image");
            assertEquals(200, call(s, "GET", "/api/jobs/" + id + "/images/000.png", null).statusCode());
            HttpResponse<String> trailing = post(s, "{\"class\": \"red\"}garbage");
            assertEquals(400, trailing.statusCode(), "text after the JSON object");
            assertTrue(trailing.body().contains("more after the JSON value"), trailing.body());
            HttpResponse<String> twice = post(s, "{\"class\": \"red\", \"class\": \"blue\"}");
            assertEquals(400, twice.statusCode(), "duplicate keys");
            assertTrue(twice.body().contains("a key appears twice"), twice.body());
            for (String method : List.of("POST", "DELETE", "PUT")) {
                HttpResponse<String> r = call(s, method, "/", method.equals("DELETE") ? null : new byte[]{'{', '}'});
                assertEquals(405, r.statusCode(), method + " /");
                assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""));
            }
            for (String method : List.of("TRACE", "CONNECT")) {
                int status = ServeProcess.raw(s.port(), method + " /index.html HTTP/1.1\r\nHost: 127.0.0.1:" + s.port()
                        + "\r\nConnection: close\r\n\r\n", 10_000);
                assertTrue(status == 405 || status == 400, method + " answered " + status);
            }
            HttpResponse<String> head = call(s, "HEAD", "/api/model", null);
            assertEquals(200, head.statusCode(), "HEAD where GET is allowed");
            assertEquals("", head.body());
            assertEquals(405, call(s, "PUT", "/api/model", new byte[]{'{', '}'}).statusCode());
            assertEquals(404, call(s, "GET", "/nothing", null).statusCode());
        }
    }

    @Test
    void aBodyOverTheLimitIs413ForEveryClient() throws Exception {
        byte[] big = new byte[20 << 20];
        Arrays.fill(big, (byte) ' ');
        try (Server s = server(2)) {
            HttpResponse<String> r = call(s, "POST", "/api/jobs", big);
            assertEquals(413, r.statusCode(), "java.net.http with Content-Length");
            try (Socket socket = new Socket("127.0.0.1", s.port())) {                 // a client that reads only after sending
                socket.setSoTimeout(30_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:" + s.port() + "\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + big.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(big);
                out.flush();
                InputStream in = socket.getInputStream();
                assertEquals(413, ServeProcess.status(in));
            }
        }
    }

    @Test
    void errorMessagesSpeakPlainly() throws Exception {
        try (Server s = server(2)) {
            JsonNode seed = JSON.readTree(post(s, "{\"class\": 0, \"seed\": 9223372036854775808}").body());
            assertEquals("seed = 9223372036854775808 is out of range: expected 0 <= seed <= 9223372036854775807",
                    seed.path("error").asText());
            JsonNode cfg = JSON.readTree(post(s, "{\"class\": 0, \"cfg\": \"5\"}").body());
            assertEquals("cfg = \"5\" is not a number: expected a number 0.0 <= cfg <= 30.0", cfg.path("error").asText());
            for (String body : List.of("{\"class\": 0, \"cfg\": NaN}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
                    "{\"class\": 0, ", "")) {
                HttpResponse<String> r = post(s, body);
                assertEquals(400, r.statusCode(), body);
                String m = JSON.readTree(r.body()).path("error").asText();
                assertTrue(m.startsWith("the body is"), m);
                for (String internal : List.of("ALLOW_", "getMax", "StreamReadConstraints", "com.fasterxml", "`")) {
                    assertFalse(m.contains(internal), "no parser internals: " + m);
                }
            }
        }
    }

    @Test
    void retryAfterEstimatesTheRunningJob() throws Exception {
        try (Server s = server(1)) {
            await(s, id(post(s, "{\"class\": 0, \"n\": 1, \"steps\": 1}")));            // a quick job first: old guess 1 s
            String running = id(post(s, "{\"class\": 0, \"n\": 8, \"steps\": 600}"));
            long end = System.currentTimeMillis() + 60_000;
            while (JSON.readTree(call(s, "GET", "/api/jobs/" + running, null).body()).path("step").asInt() < 30
                    && System.currentTimeMillis() < end) {
                Thread.sleep(20);
            }
            id(post(s, "{\"class\": 1, \"n\": 1, \"steps\": 1}"));                       // fills the queue
            HttpResponse<String> full = post(s, "{\"class\": 1, \"n\": 1, \"steps\": 1}");
            long t429 = System.nanoTime();
            assertEquals(429, full.statusCode());
            int retry = Integer.parseInt(full.headers().firstValue("Retry-After").orElseThrow());
            assertEquals("done", await(s, running).path("state").asText());
            double actual = (System.nanoTime() - t429) / 1e9;
            assertTrue(retry >= actual / 3 && retry <= actual * 3 + 2,
                    "Retry-After " + retry + " s for a job that ended " + actual + " s later");
        }
    }
}
