package ldm4j.serve;

/**
 * How the server listens and what it allows.
 *
 * @param token     bearer token every API call must carry (null: none)
 * @param queue     jobs that may wait behind the running one; more answer 429
 * @param keep      finished jobs whose images stay available
 */
public record ServerOptions(String host, int port, String token, int queue, int maxImages, int maxSteps, int keep) {
    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port " + port + " is out of range: expected 0 <= --port <= 65535");
        }
        if (queue < 1 || maxImages < 1 || maxSteps < 1 || keep < 1) {
            throw new IllegalArgumentException("--queue, --max-images and --max-steps must be at least 1");
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
    }

    /** Loopback only, default port 7860, 4 waiting jobs, 64 images and 200 steps per job. */
    public static ServerOptions local(int port) {
        return new ServerOptions("127.0.0.1", port, null, 4, 64, 200, 32);
    }

    public boolean loopback() {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
    }
}
