package ldm4j.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import ldm4j.LatentDiffusion;
import ldm4j.config.SampleConfig;
import ldm4j.sample.SampleRequest;

/**
 * {@code ldm4j serve}: the web page (static files from the jar) and the JSON API over the JDK's own
 * HTTP server ({@code com.sun.net.httpserver}, no dependency; server-sent events are plain chunked
 * responses). One model in memory; jobs run one at a time from a bounded {@link JobQueue}.
 *
 * <pre>
 * GET    /api/model                      model card
 * POST   /api/jobs                       submit (202 {"id": ...}; 400 bad field; 429 queue full, Retry-After)
 * GET    /api/jobs/ID                    status: state, step/total_steps, images so far
 * GET    /api/jobs/ID/events             the same as server-sent events until the job ends; disconnecting cancels it
 * GET    /api/jobs/ID/images/K.png       image K (PNG with parameters + ldm4j chunks)
 * DELETE /api/jobs/ID                    cancel
 * </pre>
 */
public final class Server implements AutoCloseable {
    private static final Pattern JOB = Pattern.compile("/api/jobs/([0-9a-f]{1,32})(/events|/images/(\\d+)\\.png)?");
    private static final int MAX_BODY = 4 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LatentDiffusion ldm;
    private final ServerOptions options;
    private final RandomGenerator random;
    private final HttpServer http;
    private final JobQueue queue;
    private final ThreadPoolExecutor threads;
    private final ObjectNode card;
    private final JobSpec.Context context;

    /** Binds the port (0: any free one) and starts serving; {@code random} picks job ids and missing seeds. */
    public Server(LatentDiffusion ldm, ServerOptions options, RandomGenerator random, PrintWriter log) throws IOException {
        this.ldm = ldm;
        this.options = options;
        this.random = random;
        this.card = ModelCard.of(ldm, options);
        this.queue = new JobQueue(options.queue(), options.keep(), new JobRunner(ldm, log));
        this.context = new JobSpec.Context() {
            @Override
            public List<String> classes() {
                return ldm.classes();
            }

            @Override
            public SampleConfig defaults() {
                return ldm.defaults();
            }

            @Override
            public int resolution() {
                return ldm.model().resolution();
            }

            @Override
            public int maxImages() {
                return options.maxImages();
            }

            @Override
            public int maxSteps() {
                return options.maxSteps();
            }

            @Override
            public byte[] png(String id, int index) {
                Job j = queue.get(id);
                Job.Image im = j == null ? null : j.image(index);
                return im == null ? null : im.png();
            }
        };
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
        this.threads = new ThreadPoolExecutor(2, 64, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "ldm4j-serve-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(threads);
        http.createContext("/", this::handle);
        http.start();
    }

    /** A job by id (null when unknown or dropped). */
    public Job job(String id) {
        return queue.get(id);
    }

    /** The port actually bound. */
    public int port() {
        return http.getAddress().getPort();
    }

    /** Cancels the running and queued jobs, then releases the port. */
    @Override
    public void close() {
        queue.close();
        http.stop(1);
        threads.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        try (ex) {
            route(ex);
        }
    }

    private void route(HttpExchange ex) {
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.startsWith("/api/") || path.equals("/report.html")) {
                if (!authorized(ex)) {
                    ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                    error(ex, 401, null, "missing or wrong token: send 'Authorization: Bearer TOKEN' (or ?token=TOKEN)", null);
                    return;
                }
            }
            if (path.equals("/") || path.equals("/index.html")) {
                resource(ex, "index.html", "text/html; charset=utf-8");
            } else if (path.equals("/app.js")) {
                resource(ex, "app.js", "text/javascript; charset=utf-8");
            } else if (path.equals("/app.css")) {
                resource(ex, "app.css", "text/css; charset=utf-8");
            } else if (path.equals("/report.html")) {
                report(ex);
            } else if (path.equals("/api/model")) {
                requireMethod(ex, "GET");
                json(ex, 200, card);
            } else if (path.equals("/api/jobs")) {
                requireMethod(ex, "POST");
                submit(ex);
            } else {
                Matcher m = JOB.matcher(path);
                if (!m.matches()) {
                    error(ex, 404, null, "no such page or endpoint: " + path, null);
                    return;
                }
                Job job = queue.get(m.group(1));
                if (job == null) {
                    error(ex, 404, "id", "no job '" + m.group(1) + "' (unknown, or finished long ago)", null);
                } else if (m.group(2) == null && method.equals("DELETE")) {
                    job.cancel();
                    json(ex, 200, JobStatus.of(job, job.snapshot(), queue.position(job)));
                } else if (m.group(2) == null) {
                    requireMethod(ex, "GET");
                    json(ex, 200, JobStatus.of(job, job.snapshot(), queue.position(job)));
                } else if (m.group(2).equals("/events")) {
                    requireMethod(ex, "GET");
                    events(ex, job);
                } else {
                    requireMethod(ex, "GET");
                    image(ex, job, Integer.parseInt(m.group(3)));
                }
            }
        } catch (MethodNotAllowed e) {
            try {
                error(ex, 405, null, e.getMessage(), null);
            } catch (IOException ignored) {
                // the client went away
            }
        } catch (IOException | RuntimeException e) {
            // the client went away, or a response failed half-way: nothing more can be sent
        }
    }

    private void submit(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            error(ex, 413, null, "the body is larger than " + (MAX_BODY >> 20) + " MB", null);
            return;
        }
        SampleRequest request;
        try {
            JsonNode node = JSON.readTree(body);
            request = JobSpec.parse(node, context, random);
        } catch (JsonProcessingException e) {
            error(ex, 400, null, "the body is not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""),
                    "a JSON object");
            return;
        } catch (BadRequest e) {
            error(ex, 400, e.field(), e.getMessage(), e.allowed());
            return;
        }
        byte[] id = new byte[8];
        random.nextBytes(id);
        List<String> names = request.classes().stream().map(ldm.classes()::get).toList();
        Job job = new Job(HexFormat.of().formatHex(id), request, names);
        if (!queue.submit(job)) {
            ex.getResponseHeaders().add("Retry-After", Integer.toString(queue.retryAfterSeconds()));
            error(ex, 429, null, "the queue is full (" + options.queue() + " jobs waiting): retry later", null);
            return;
        }
        ObjectNode out = JobStatus.of(job, job.snapshot(), queue.position(job));
        ex.getResponseHeaders().add("Location", "/api/jobs/" + job.id());
        json(ex, 202, out);
    }

    /** Server-sent events: a {@code status} event at every change, {@code end} when the job ends. */
    private void events(HttpExchange ex, Job job) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().add("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        long seen = -1;
        try {
            while (true) {
                Job.Snapshot s = job.awaitChange(seen, 1000);
                if (s.version() == seen) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));     // notices a client that left
                } else {
                    String data = JSON.writeValueAsString(JobStatus.of(job, s, queue.position(job)));
                    out.write(("event: " + (s.finished() ? "end" : "status") + "\ndata: " + data + "\n\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
                seen = s.version();
                if (s.finished()) {
                    return;
                }
            }
        } catch (IOException e) {
            job.cancel();                                                           // the client disconnected
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void image(HttpExchange ex, Job job, int index) throws IOException {
        Job.Image im = job.image(index);
        if (im == null) {
            error(ex, 404, "image", index < job.imageCount() ? "image " + index + " is not ready yet"
                    : "the job has images 0.." + (job.imageCount() - 1), "0.." + (job.imageCount() - 1));
            return;
        }
        ex.getResponseHeaders().add("Content-Type", "image/png");
        ex.getResponseHeaders().add("Content-Disposition", "inline; filename=\"ldm4j-" + job.id() + "-" + index + ".png\"");
        send(ex, 200, im.png());
    }

    private void report(HttpExchange ex) throws IOException {
        Path file = ldm.model().runDir().resolve("report.html");
        if (!Files.isRegularFile(file)) {
            error(ex, 404, null, "this run has no report.html (bin/ldm4j report --run DIR writes it)", null);
            return;
        }
        ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
        send(ex, 200, Files.readAllBytes(file));
    }

    private void resource(HttpExchange ex, String name, String type) throws IOException {
        try (InputStream in = Server.class.getResourceAsStream("/ldm4j/serve/" + name)) {
            if (in == null) {
                error(ex, 500, null, "the jar lacks " + name, null);
                return;
            }
            ex.getResponseHeaders().add("Content-Type", type);
            ex.getResponseHeaders().add("Cache-Control", "no-cache");
            send(ex, 200, in.readAllBytes());
        }
    }

    private boolean authorized(HttpExchange ex) {
        if (options.token() == null) {
            return true;
        }
        String given = null;
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.startsWith("Bearer ")) {
            given = header.substring("Bearer ".length()).strip();
        } else {
            given = queryParam(ex.getRequestURI(), "token");
        }
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                options.token().getBytes(StandardCharsets.UTF_8));
    }

    static String queryParam(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String part : q.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).equals(name)) {
                return URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!ex.getRequestMethod().equals(method)) {
            throw new MethodNotAllowed(ex.getRequestMethod() + " is not allowed on " + ex.getRequestURI().getPath()
                    + ": use " + method);
        }
    }

    private static final class MethodNotAllowed extends RuntimeException {
        MethodNotAllowed(String message) {
            super(message);
        }
    }

    private static void error(HttpExchange ex, int code, String field, String message, String allowed) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        if (field != null) {
            o.put("field", field);
        }
        if (allowed != null) {
            o.put("allowed", allowed);
        }
        json(ex, code, o);
    }

    private static void json(HttpExchange ex, int code, JsonNode body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        send(ex, code, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
