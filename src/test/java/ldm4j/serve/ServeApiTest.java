package ldm4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.LatentDiffusion;
import ldm4j.config.SamplerKind;
import ldm4j.io.PngText;
import ldm4j.sample.TinyRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API of {@code serve} on a tiny trained model, with java.net.http.HttpClient. */
@Tag("slow") // a training run and a server: left out of ./mvnw test -Pfast
class ServeApiTest {
    @TempDir
    static Path dir;
    static LatentDiffusion ldm;
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void train() throws Exception {
        ldm = LatentDiffusion.load(TinyRun.shared(), "cpu");
    }

    @AfterAll
    static void close() {
        ldm.close();
    }

    static Server server(String token, int queue) throws Exception {
        return new Server(ldm, new ServerOptions("127.0.0.1", 0, token, queue, 16, 500, 32), new SplittableRandom(1),
                new PrintWriter(new StringWriter()));
    }

    record Reply(int status, JsonNode body, HttpResponse<byte[]> raw) {
    }

    static Reply call(Server s, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode json = null;
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
            json = JSON.readTree(r.body());
        }
        return new Reply(r.statusCode(), json, r);
    }

    static Reply post(Server s, String body) throws Exception {
        return call(s, "POST", "/api/jobs", body, null);
    }

    /** Polls the job until it has ended. */
    static JsonNode await(Server s, String id) throws Exception {
        long end = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < end) {
            JsonNode j = call(s, "GET", "/api/jobs/" + id, null, null).body();
            if (List.of("done", "failed", "cancelled").contains(j.path("state").asText())) {
                return j;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + id + " did not end");
    }

    static JsonNode awaitRunning(Server s, String id) throws Exception {
        long end = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < end) {
            JsonNode j = call(s, "GET", "/api/jobs/" + id, null, null).body();
            if (j.path("state").asText().equals("running") && j.path("step").asInt() > 0) {
                return j;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + id + " did not start");
    }

    @Test
    void submitStreamAndFetchPngsWithTheirSettings() throws Exception {
        try (Server s = server(null, 4)) {
            JsonNode card = call(s, "GET", "/api/model", null, null).body();
            assertEquals(List.of("blue", "green", "red"), JSON.convertValue(card.get("classes"), List.class));
            assertEquals(16, card.path("resolution").asInt());
            assertEquals(ldm.model().sha256().substring(0, 10), card.path("model_hash").asText());
            assertEquals(6, card.path("training").path("unet_steps").asInt());
            assertEquals(SamplerKind.keys(), card.path("samplers").findValuesAsText("name"));
            assertEquals(List.of(1, 1, 2), card.path("samplers").findValues("calls_per_step").stream().map(JsonNode::asInt).toList());
            assertEquals("DPM-Solver++(2M)", card.path("samplers").path(1).path("label").asText());

            Reply r = post(s, "{\"class\": \"red\", \"n\": 2, \"sampler\": \"ddim\", \"steps\": 3, \"seed\": 5, \"spacing\": \"karras\"}");
            assertEquals(202, r.status(), r.body().toString());
            String id = r.body().path("id").asText();
            // the event stream: status events while it runs, then one "end" event
            HttpResponse<Stream<String>> events = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + s.port() + "/api/jobs/" + id + "/events")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals("text/event-stream; charset=utf-8", events.headers().firstValue("Content-Type").orElse(""));
            List<String> lines = events.body().toList();
            assertTrue(lines.contains("event: end"), lines.toString());
            String last = lines.get(lines.lastIndexOf("event: end") + 1);
            JsonNode end = JSON.readTree(last.substring("data: ".length()));
            assertEquals("done", end.path("state").asText());
            assertEquals(3, end.path("total_steps").asInt());
            assertEquals(2, end.path("images").size());
            for (JsonNode im : end.path("images")) {
                Reply png = call(s, "GET", im.path("url").asText(), null, null);
                assertEquals(200, png.status());
                assertEquals("image/png", png.raw().headers().firstValue("Content-Type").orElse(""));
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(png.raw().body()));
                assertEquals(16, img.getWidth());
                Map<String, String> text = PngText.read(png.raw().body());
                assertTrue(text.get("parameters").startsWith("class: red\nSteps: 3, Sampler: ddim, CFG scale: 5, Seed: 5, Image index: "
                        + im.path("index").asInt()), text.get("parameters"));
                assertTrue(text.get("parameters").contains("Schedule type: karras"));
                assertTrue(text.get("ldm4j").contains("\"modelSha256\":\"" + ldm.model().sha256() + "\""));
            }
            assertEquals(404, call(s, "GET", "/api/jobs/" + id + "/images/7.png", null, null).status());
            assertEquals(404, call(s, "GET", "/api/jobs/0123abcd", null, null).status());
            assertEquals(405, call(s, "PUT", "/api/model", "{}", null).status());
        }
    }

    @Test
    void invalidAndMalformedBodiesAnswer400NamingTheField() throws Exception {
        try (Server s = server(null, 4)) {
            Reply steps = post(s, "{\"class\": \"red\", \"steps\": 0}");
            assertEquals(400, steps.status());
            assertEquals("steps", steps.body().path("field").asText());
            assertEquals("steps = 0 is out of range: expected 1 <= steps <= 500", steps.body().path("error").asText());
            assertEquals("1..500", steps.body().path("allowed").asText());
            Reply n = post(s, "{\"class\": \"all\", \"n\": 6}");
            assertEquals(400, n.status());
            assertEquals("n", n.body().path("field").asText());
            assertTrue(n.body().path("error").asText().contains("makes 18 images: expected at most 16 per job"));
            Reply cls = post(s, "{\"class\": \"purple\"}");
            assertEquals("class", cls.body().path("field").asText());
            assertTrue(cls.body().path("error").asText().contains("expected blue, green, red or an index 0..2"));
            Reply unknown = post(s, "{\"class\": \"red\", \"stepz\": 3}");
            assertEquals("stepz", unknown.body().path("field").asText());
            Reply interval = post(s, "{\"class\": \"red\", \"guidance_interval\": [0.8, 0.2]}");
            assertEquals("guidance_interval", interval.body().path("field").asText());
            Reply sampler = post(s, "{\"class\": \"red\", \"sampler\": \"euler\"}");
            assertEquals("sampler = \"euler\" is not allowed: expected one of ddim, dpmpp2m, heun",
                    sampler.body().path("error").asText());
            Reply malformed = post(s, "{\"class\": \"red\", ");
            assertEquals(400, malformed.status());
            assertTrue(malformed.body().path("error").asText().startsWith("the body is not valid JSON"), malformed.body().toString());
            assertEquals(400, post(s, "[1, 2]").status());
        }
    }

    @Test
    void concurrentSubmissionsFillTheQueueThen429WithRetryAfter() throws Exception {
        try (Server s = server(null, 1)) {
            String running = post(s, "{\"class\": 0, \"n\": 8, \"steps\": 400}").body().path("id").asText();
            awaitRunning(s, running);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int seed = i;
                Callable<Reply> c = () -> post(s, "{\"class\": 1, \"n\": 1, \"steps\": 2, \"seed\": " + seed + "}");
                replies.add(pool.submit(c));
            }
            List<String> accepted = new ArrayList<>();
            int refused = 0;
            for (Future<Reply> f : replies) {
                Reply r = f.get();
                if (r.status() == 202) {
                    accepted.add(r.body().path("id").asText());
                } else {
                    assertEquals(429, r.status());
                    assertTrue(Integer.parseInt(r.raw().headers().firstValue("Retry-After").orElseThrow()) >= 1);
                    assertTrue(r.body().path("error").asText().contains("queue is full"));
                    refused++;
                }
            }
            pool.shutdown();
            assertEquals(1, accepted.size(), "one job waits behind the running one");
            assertEquals(3, refused);
            assertEquals(1, call(s, "GET", "/api/jobs/" + accepted.get(0), null, null).body().path("position").asInt());
            assertEquals(200, call(s, "DELETE", "/api/jobs/" + running, null, null).status());
            assertEquals("cancelled", await(s, running).path("state").asText());
            JsonNode next = await(s, accepted.get(0));
            assertEquals("done", next.path("state").asText(), "the queued job runs after the cancelled one");
            assertEquals(1, next.path("images").size());
        }
    }

    @Test
    void cancelStopsARunningJobAndRemovesAQueuedOne() throws Exception {
        try (Server s = server(null, 2)) {
            String a = post(s, "{\"class\": 2, \"n\": 8, \"steps\": 400}").body().path("id").asText();
            String b = post(s, "{\"class\": 2, \"n\": 8, \"steps\": 400}").body().path("id").asText();
            JsonNode before = awaitRunning(s, a);
            assertEquals("cancelled", call(s, "DELETE", "/api/jobs/" + b, null, null).body().path("state").asText(),
                    "a queued job is cancelled at once");
            call(s, "DELETE", "/api/jobs/" + a, null, null);
            JsonNode after = await(s, a);
            assertEquals("cancelled", after.path("state").asText());
            assertTrue(after.path("step").asInt() < 400, "stopped early at step " + after.path("step").asInt());
            assertTrue(before.path("step").asInt() > 0);
        }
    }

    @Test
    void aClientThatDisconnectsFromTheEventStreamCancelsItsJob() throws Exception {
        try (Server s = server(null, 2)) {
            String id = post(s, "{\"class\": 1, \"n\": 8, \"steps\": 400}").body().path("id").asText();
            try (Socket socket = new Socket("127.0.0.1", s.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("GET /api/jobs/" + id + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = socket.getInputStream();
                String head = new String(in.readNBytes(200), StandardCharsets.UTF_8);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                awaitRunning(s, id);
            } // the client goes away
            JsonNode end = await(s, id);
            assertEquals("cancelled", end.path("state").asText());
            assertTrue(end.path("step").asInt() < 400);
        }
    }

    @Test
    void aTokenIsRequiredOnEveryApiCallWhenSet() throws Exception {
        try (Server s = server("s3cret", 2)) {
            Reply none = call(s, "GET", "/api/model", null, null);
            assertEquals(401, none.status());
            assertEquals("Bearer", none.raw().headers().firstValue("WWW-Authenticate").orElse(""));
            assertTrue(none.body().path("error").asText().contains("Authorization: Bearer TOKEN"));
            assertEquals(401, call(s, "GET", "/api/model", null, "wrong").status());
            assertEquals(401, call(s, "POST", "/api/jobs", "{\"class\": 0}", null).status());
            assertEquals(200, call(s, "GET", "/api/model", null, "s3cret").status());
            assertEquals(200, call(s, "GET", "/api/model?token=s3cret", null, null).status());
            assertTrue(call(s, "GET", "/api/model", null, "s3cret").body().path("token_required").asBoolean());
            assertEquals(200, call(s, "GET", "/", null, null).status(), "the page itself holds no data");
            Reply job = call(s, "POST", "/api/jobs", "{\"class\": 0, \"steps\": 1}", "s3cret");
            assertEquals(202, job.status());
            assertEquals(401, call(s, "GET", "/api/jobs/" + job.body().path("id").asText(), null, null).status());
        }
    }

    @Test
    void variationsAndInterpolationFromGalleryImages() throws Exception {
        try (Server s = server(null, 4)) {
            String a = post(s, "{\"class\": \"blue\", \"n\": 1, \"steps\": 2, \"seed\": 11}").body().path("id").asText();
            assertEquals("done", await(s, a).path("state").asText());
            Reply v = post(s, "{\"class\": \"red\", \"n\": 2, \"steps\": 4, \"seed\": 1, \"init\": {\"job\": \"" + a
                    + "\", \"image\": 0, \"strength\": 0.5}}");
            assertEquals(202, v.status(), String.valueOf(v.body()));
            JsonNode var = await(s, v.body().path("id").asText());
            assertEquals("done", var.path("state").asText());
            assertEquals(2, var.path("total_steps").asInt(), "strength 0.5 of 4 steps");
            assertTrue(var.path("images").get(0).path("parameters").asText().contains("Denoising strength: 0.5"));
            Reply missing = post(s, "{\"class\": \"red\", \"init\": {\"job\": \"ffff\", \"image\": 0}}");
            assertEquals(400, missing.status());
            assertEquals("init.job", missing.body().path("field").asText());
            Reply lerp = post(s, "{\"steps\": 2, \"interpolate\": {\"from\": {\"seed\": 11, \"index\": 0, \"class\": \"blue\"},"
                    + " \"to\": {\"seed\": 12, \"index\": 0, \"class\": \"red\"}, \"frames\": 3}}");
            assertEquals(202, lerp.status(), String.valueOf(lerp.body()));
            JsonNode frames = await(s, lerp.body().path("id").asText());
            assertEquals("done", frames.path("state").asText());
            assertEquals(3, frames.path("images").size());
            assertTrue(frames.path("images").get(2).path("parameters").asText().contains("Interpolate: seed 11#0 to seed 12#0 red"));
        }
    }

    @Test
    void badServeOptionsAreOneLineErrors() {
        String[] port = TinyRun.cli("serve", "--run", TinyRun.shared().toString(), "--port", "70000");
        assertEquals("2", port[0]);
        assertTrue(port[2].contains("ldm4j: error: --port 70000 is out of range: expected 0 <= --port <= 65535"), port[2]);
        String[] none = TinyRun.cli("serve", "--run", dir.resolve("nothing").toString(), "--port", "0");
        assertEquals("2", none[0]);
        assertTrue(none[2].contains("does not exist"), none[2]);
    }

    @Test
    void closingCancelsTheRunningJobAndReleasesThePort() throws Exception {
        Server s = server(null, 2);
        int port = s.port();
        String id = post(s, "{\"class\": 0, \"n\": 8, \"steps\": 400}").body().path("id").asText();
        awaitRunning(s, id);
        Job job = s.job(id);
        assertNotNull(job);
        long t0 = System.nanoTime();
        s.close();
        assertEquals(Job.State.CANCELLED, job.snapshot().state());
        assertTrue((System.nanoTime() - t0) / 1e9 < 20, "stops promptly");
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertFalse(again.isClosed(), "the port is free again");
        }
    }
}
