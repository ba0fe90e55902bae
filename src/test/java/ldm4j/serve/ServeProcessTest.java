package ldm4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ldm4j.sample.TinyRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code ldm4j serve} as a process: Ctrl-C (SIGINT) cancels the running job, stops and releases the port. */
@Tag("slow") // a child JVM: left out of ./mvnw test -Pfast
class ServeProcessTest {

    @Test
    void ctrlCStopsCleanly() throws Exception {
        Path run = TinyRun.shared();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "ldm4j.cli.Main", "serve",
                "--run", run.toString(), "--port", "0", "--threads", "1", "--max-steps", "1000").redirectErrorStream(true);
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process p = pb.start();
        List<String> output = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            int port = -1;
            Pattern url = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");
            for (String line; port < 0 && (line = out.readLine()) != null; ) {
                output.add(line);
                Matcher m = url.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "serve printed its address: " + output);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> job = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/jobs"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"class\": 0, \"n\": 8, \"steps\": 400}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(202, job.statusCode(), job.body());
            String id = new ObjectMapper().readTree(job.body()).path("id").asText();
            long end = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < end) {
                JsonNode s = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/jobs/" + id)).build(), HttpResponse.BodyHandlers.ofString()).body());
                if (s.path("step").asInt() > 0) {
                    break;
                }
                Thread.sleep(50);
            }
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();          // Ctrl-C
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped within 30 s");
            for (String line; (line = out.readLine()) != null; ) {
                output.add(line);
            }
            String all = String.join("\n", output);
            assertTrue(all.contains("ldm4j serve: stopped, port " + port + " released"), all);
            try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                assertEquals(port, again.getLocalPort(), "the port is free again");
            }
        } finally {
            p.destroyForcibly();
        }
    }
}
