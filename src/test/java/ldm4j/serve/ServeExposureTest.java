package ldm4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.sample.TinyRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/**
 * {@code ldm4j serve} as a real process on 127.0.0.1 under the attacks of a local user or a web
 * page: slow clients, cross-site and DNS-rebinding requests, missing tokens, empty tokens.
 */
@Tag("slow") // child processes or a trained run: left out of ./mvnw test -Pfast
class ServeExposureTest {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> send(int port, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** True when the server closes the connection within {@code millis} (end of stream or reset). */
    static boolean closedWithin(Socket s, long millis) throws Exception {
        s.setSoTimeout((int) millis);
        try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // an answer (408 or 400) is fine too, as long as the connection ends
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;                                                           // reset
        }
    }

    @Test
    void slowClientsNeitherLockOthersOutNorStayForever() throws Exception {
        try (ServeProcess serve = ServeProcess.start(TinyRun.shared(), Map.of(), "--request-timeout", "2")) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 80; i++) {                                     // more than the old 64 threads
                    Socket s = new Socket("127.0.0.1", serve.port);
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:" + serve.port
                            + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    slow.add(s);
                }
                Socket half = new Socket("127.0.0.1", serve.port);                  // half a header, then nothing
                half.getOutputStream().write("GET /api/model HTTP/1.1\r\nHost: 127.0".getBytes(StandardCharsets.US_ASCII));
                slow.add(half);
                Thread.sleep(300);
                long t0 = System.nanoTime();
                HttpResponse<String> model = get(serve.port, "/api/model");
                assertEquals(200, model.statusCode(), "others are still answered while 81 clients stall");
                assertTrue((System.nanoTime() - t0) / 1e9 < 5, "answered at once, not after the stalled ones");
                assertTrue(closedWithin(half, 10_000), "a half-sent header is dropped after --request-timeout 2");
                assertTrue(closedWithin(slow.get(0), 5_000), "a body that never comes is dropped too");
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
            assertEquals(200, get(serve.port, "/api/model").statusCode());
        }
    }

    @Test
    void crossSiteAndRebindingRequestsAreRefused() throws Exception {
        try (ServeProcess serve = ServeProcess.start(TinyRun.shared(), Map.of())) {
            int port = serve.port;
            String job = "{\"class\": 0, \"n\": 1, \"steps\": 1}";
            // a form or fetch from another site, as a browser sends it without a preflight
            int plain = ServeProcess.raw(port, "POST /api/jobs HTTP/1.1\r\nHost: rebind.evil.example:" + port
                    + "\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: " + job.length()
                    + "\r\nConnection: close\r\n\r\n" + job, 10_000);
            assertEquals(403, plain, "a foreign Host is refused");
            int rebound = ServeProcess.raw(port, "GET /api/model HTTP/1.1\r\nHost: rebind.evil.example:" + port
                    + "\r\nConnection: close\r\n\r\n", 10_000);
            assertEquals(403, rebound, "DNS rebinding cannot read the model card");
            HttpResponse<String> foreignOrigin = send(port, "POST", "/api/jobs", job, "Content-Type", "application/json",
                    "Origin", "http://evil.example");
            assertEquals(403, foreignOrigin.statusCode(), foreignOrigin.body());
            assertTrue(foreignOrigin.body().contains("cross-origin request refused"), foreignOrigin.body());
            HttpResponse<String> textPlain = send(port, "POST", "/api/jobs", job, "Content-Type", "text/plain");
            assertEquals(415, textPlain.statusCode(), "a body a web page can send without a preflight is refused");
            assertEquals(403, send(port, "DELETE", "/api/jobs/0123", null, "Origin", "null").statusCode());
            assertEquals(403, get(port, "/api/jobs/0123/events", "Origin", "http://evil.example").statusCode());
            // this server's own page: same Host and Origin, JSON
            HttpResponse<String> own = send(port, "POST", "/api/jobs", job, "Content-Type", "application/json; charset=utf-8",
                    "Origin", "http://127.0.0.1:" + port);
            assertEquals(202, own.statusCode(), own.body());
            assertEquals(200, ServeProcess.raw(port, "GET /api/model HTTP/1.1\r\nHost: localhost:" + port
                    + "\r\nConnection: close\r\n\r\n", 10_000));
        }
    }

    @Test
    void theTokenGuardsEveryEndpointThroughTheOption() throws Exception {
        try (ServeProcess serve = ServeProcess.start(TinyRun.shared(), Map.of(), "--token", "s3cret")) {
            int port = serve.port;
            assertTrue(serve.printed().contains("/?token=..."), serve.printed());
            HttpResponse<String> made = send(port, "POST", "/api/jobs", "{\"class\": 0, \"n\": 1, \"steps\": 1}",
                    "Content-Type", "application/json", "Authorization", "Bearer s3cret");
            assertEquals(202, made.statusCode(), made.body());
            String id = new ObjectMapper().readTree(made.body()).path("id").asText();
            for (String path : List.of("/api/model", "/api/jobs/" + id, "/api/jobs/" + id + "/events",
                    "/api/jobs/" + id + "/images/0.png", "/report.html", "/api/model?token=wrong", "/api/model?token=")) {
                assertEquals(401, get(port, path).statusCode(), path + " without the token");
            }
            assertEquals(401, get(port, "/api/model", "Authorization", "Bearer s3cre").statusCode(), "a wrong token");
            assertEquals(401, send(port, "DELETE", "/api/jobs/" + id, null).statusCode(), "cancel without the token");
            assertEquals(401, send(port, "POST", "/api/jobs", "{\"class\": 0}", "Content-Type", "application/json").statusCode());
            assertEquals(200, get(port, "/api/jobs/" + id + "?token=s3cret").statusCode());
            assertEquals(200, get(port, "/api/model", "Authorization", "Bearer s3cret").statusCode());
            assertEquals(200, get(port, "/").statusCode(), "the page itself holds no data");
        }
    }

    @Test
    void theTokenFromTheEnvironmentAndTheWarningForOtherMachines() throws Exception {
        try (ServeProcess serve = ServeProcess.start(TinyRun.shared(), Map.of("LDM4J_TOKEN", "env-s3cret"),
                "--host", "0.0.0.0")) {
            assertEquals(401, get(serve.port, "/api/model").statusCode());
            assertEquals(200, get(serve.port, "/api/model", "Authorization", "Bearer env-s3cret").statusCode());
            long end = System.currentTimeMillis() + 5000;
            while (!serve.printed().contains("warning") && System.currentTimeMillis() < end) {
                Thread.sleep(50);
            }
            assertTrue(serve.printed().contains("ldm4j serve: warning: listening on 0.0.0.0, reachable from other machines;"
                    + " every API call needs the token"), serve.printed());
        }
    }

    @Test
    void anEmptyTokenIsRefused() throws Exception {
        for (List<String> args : List.of(List.of("--token", ""), List.of("--host", "0.0.0.0", "--token", " "))) {
            Process p = ServeProcess.command(TinyRun.shared(), Map.of(), args.toArray(String[]::new)).start();
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly();
            }
            assertTrue(ended, args + ": refused at once, not served without authentication");
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, p.exitValue(), printed);
            assertTrue(printed.contains("ldm4j: error: --token is empty"), printed);
        }
        Process env = ServeProcess.command(TinyRun.shared(), Map.of("LDM4J_TOKEN", "")).start();
        boolean ended = env.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            env.destroyForcibly();
        }
        assertTrue(ended, "refused at once");
        String printed = new String(env.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, env.exitValue(), printed);
        assertTrue(printed.contains("ldm4j: error: LDM4J_TOKEN is empty"), printed);
        assertEquals("ldm4j serve: warning: listening on 0.0.0.0, reachable from other machines by anyone: set --token"
                + " (or LDM4J_TOKEN) to require a bearer token",
                new ServerOptions("0.0.0.0", 0, null, 1, 1, 1, 1).exposureWarning("LDM4J_TOKEN"));
        assertEquals(null, new ServerOptions("127.0.0.1", 0, null, 1, 1, 1, 1).exposureWarning("LDM4J_TOKEN"));
    }
}
