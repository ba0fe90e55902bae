package ldm4j.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * responses). One model in memory; jobs run one at a time from a bounded {@link JobQueue}. Every
 * request first passes the {@link RequestGuard} (Host, Origin, token); {@link HttpLimits} bounds
 * what slow clients can hold. GET routes also answer HEAD; other methods answer 405.
 *
 * <pre>
 * GET    /api/model                      model card
 * POST   /api/jobs                       submit, Content-Type: application/json (202 {"id": ...}; 400 bad field;
 *                                        413 body over 4 MB; 415 not JSON; 429 queue full, Retry-After)
 * GET    /api/jobs/ID                    status: state, step/total_steps, images so far
 * GET    /api/jobs/ID/events             the same as server-sent events until the job ends; disconnecting cancels it
 * GET    /api/jobs/ID/images/K.png       image K (PNG with parameters + ldm4j chunks)
 * DELETE /api/jobs/ID                    cancel
 * </pre>
 */
public final class Server implements AutoCloseable {
    private static final String ID = "([0-9a-f]{1,32})";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a route does with a request whose path matched its pattern. */
    @FunctionalInterface
    private interface Handler {
        void handle(HttpExchange ex, Matcher path) throws IOException;
    }

    /** One line of the route table; {@code secret} routes need the token when one is set. */
    private record Route(String method, Pattern path, boolean secret, Handler handler) {
        Route(String method, String path, boolean secret, Handler handler) {
            this(method, Pattern.compile(path), secret, handler);
        }
    }

    private final LatentDiffusion ldm;
    private final ServerOptions options;
    private final RandomGenerator random;
    private final HttpServer http;
    private final JobQueue queue;
    private final ThreadPoolExecutor threads;
    private final ObjectNode card;
    private final JobSpec.Context context;
    private final RequestGuard guard;
    private final Semaphore streams = new Semaphore(HttpLimits.EVENT_STREAMS);
    private final List<Route> routes;

    /** Binds the port (0: any free one) and starts serving; {@code random} picks job ids and missing seeds. */
    public Server(LatentDiffusion ldm, ServerOptions options, RandomGenerator random, PrintWriter log) throws IOException {
        this.ldm = ldm;
        this.options = options;
        this.random = random;
        this.card = ModelCard.of(ldm, options);
        this.guard = new RequestGuard(options.hostNames(), options.token());
        this.routes = routeTable();
        this.queue = new JobQueue(options.queue(), options.keep(), new JobRunner(ldm, log));
        long maxPixels = ldm.model().config().data().maxPixels();
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
            public long maxPixels() {
                return maxPixels;
            }

            @Override
            public byte[] png(String id, int index) {
                Job j = queue.get(id);
                Job.Image im = j == null ? null : j.image(index);
                return im == null ? null : im.png();
            }
        };
        HttpLimits.configureJdk(options.requestSeconds());
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 64);
        this.threads = HttpLimits.executor();
        http.setExecutor(threads);
        http.createContext("/", this::handle);
        http.start();
    }

    /** The route table: method, path pattern, whether the token is needed, handler. */
    private List<Route> routeTable() {
        return List.of(
                new Route("GET", "/|/index\\.html", false, (ex, m) -> resource(ex, "index.html", "text/html; charset=utf-8")),
                new Route("GET", "/app\\.js", false, (ex, m) -> resource(ex, "app.js", "text/javascript; charset=utf-8")),
                new Route("GET", "/app\\.css", false, (ex, m) -> resource(ex, "app.css", "text/css; charset=utf-8")),
                new Route("GET", "/report\\.html", true, (ex, m) -> report(ex)),
                new Route("GET", "/api/model", true, (ex, m) -> json(ex, 200, card)),
                new Route("POST", "/api/jobs", true, (ex, m) -> submit(ex)),
                new Route("GET", "/api/jobs/" + ID, true, (ex, m) -> withJob(ex, m, this::status)),
                new Route("DELETE", "/api/jobs/" + ID, true, (ex, m) -> withJob(ex, m, this::cancel)),
                new Route("GET", "/api/jobs/" + ID + "/events", true, (ex, m) -> withJob(ex, m, this::events)),
                new Route("GET", "/api/jobs/" + ID + "/images/(\\d+)\\.png", true, (ex, m) -> withJob(ex, m,
                        (e, job) -> image(e, job, index(m.group(2))))));
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
        } catch (IOException | RuntimeException e) {
            // the client went away, or a response failed half-way: nothing more can be sent
        }
    }

    /** Guard, then the route table: 403 foreign Host/Origin, 404 no such path, 405 wrong method, 401 no token. */
    private void route(HttpExchange ex) throws IOException {
        String refused = guard.foreign(ex);
        if (refused != null) {
            error(ex, 403, null, refused, null);
            return;
        }
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod().equals("HEAD") ? "GET" : ex.getRequestMethod();
        Set<String> allowed = new LinkedHashSet<>();
        for (Route r : routes) {
            Matcher m = r.path().matcher(path == null ? "" : path);
            if (!m.matches()) {
                continue;
            }
            if (r.secret() && !guard.authorized(ex)) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                error(ex, 401, null, "missing or wrong token: send 'Authorization: Bearer TOKEN' (or ?token=TOKEN)", null);
                return;
            }
            if (r.method().equals(method)) {
                r.handler().handle(ex, m);
                return;
            }
            allowed.add(r.method());
            if (r.method().equals("GET")) {
                allowed.add("HEAD");
            }
        }
        if (allowed.isEmpty()) {
            error(ex, 404, null, "no such page or endpoint: " + path, null);
            return;
        }
        ex.getResponseHeaders().add("Allow", String.join(", ", allowed));
        error(ex, 405, null, ex.getRequestMethod() + " is not allowed on " + path + ": use " + String.join(" or ", allowed),
                null);
    }

    /** Runs {@code then} on the job the path names, or answers 404. */
    private void withJob(HttpExchange ex, Matcher m, JobHandler then) throws IOException {
        Job job = queue.get(m.group(1));
        if (job == null) {
            error(ex, 404, "id", "no job '" + m.group(1) + "' (unknown, or finished long ago)", null);
            return;
        }
        then.handle(ex, job);
    }

    @FunctionalInterface
    private interface JobHandler {
        void handle(HttpExchange ex, Job job) throws IOException;
    }

    private void status(HttpExchange ex, Job job) throws IOException {
        json(ex, 200, JobStatus.of(job, job.snapshot(), queue.position(job)));
    }

    private void cancel(HttpExchange ex, Job job) throws IOException {
        job.cancel();
        json(ex, 200, JobStatus.of(job, job.snapshot(), queue.position(job)));
    }

    private void submit(HttpExchange ex) throws IOException {
        if (!RequestGuard.isJson(ex)) {
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            error(ex, 415, null, "Content-Type " + (type == null ? "is missing" : "'" + type + "' is not JSON")
                    + ": send the job as Content-Type: application/json", "application/json");
            return;
        }
        byte[] body;
        try {
            body = JsonBody.read(ex);
        } catch (JsonBody.TooLarge e) {
            error(ex, 413, null, e.getMessage(), null);
            return;
        }
        SampleRequest request;
        try {
            JsonNode node = JsonBody.parse(body);
            request = JobSpec.parse(node, context, random);
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
        if (!streams.tryAcquire()) {
            ex.getResponseHeaders().add("Retry-After", "5");
            error(ex, 429, null, "too many open event streams (" + HttpLimits.EVENT_STREAMS + "): poll GET /api/jobs/"
                    + job.id() + " instead, or retry later", null);
            return;
        }
        try {
            ex.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().add("Cache-Control", "no-cache");
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, 0);
            stream(ex.getResponseBody(), job);
        } finally {
            streams.release();
        }
    }

    private void stream(OutputStream out, Job job) throws IOException {
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

    /** An image index from the path's digits; one beyond {@code int} is no image (404), not an error. */
    static int index(String digits) {
        String d = digits.replaceFirst("^0+(?=.)", "");
        return d.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(d);
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

    /** The response; for HEAD only its headers (the JDK sends no body and warns when given a length). */
    private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(code, -1);
            return;
        }
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
