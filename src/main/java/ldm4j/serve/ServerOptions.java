package ldm4j.serve;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.stream.Stream;

/**
 * How the server listens and what it allows.
 *
 * @param token          bearer token every API call must carry (null: none; an empty one is refused)
 * @param queue          jobs that may wait behind the running one; more answer 429
 * @param keep           finished jobs whose images stay available
 * @param requestSeconds a request's header and body must arrive within this time, else its connection is closed
 * @param allowHosts     names besides IP addresses, {@code localhost} and {@code host} that the {@code Host} header may carry
 */
public record ServerOptions(String host, int port, String token, int queue, int maxImages, int maxSteps, int keep,
                            int requestSeconds, List<String> allowHosts) {
    /** The default time a request may take to arrive. */
    public static final int REQUEST_SECONDS = 20;

    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port " + port + " is out of range: expected 0 <= --port <= 65535");
        }
        if (queue < 1 || maxImages < 1 || maxSteps < 1 || keep < 1) {
            throw new IllegalArgumentException("--queue, --max-images and --max-steps must be at least 1");
        }
        if (requestSeconds < 1 || requestSeconds > 3600) {
            throw new IllegalArgumentException("--request-timeout " + requestSeconds
                    + " is out of range: expected 1 <= --request-timeout <= 3600 (seconds)");
        }
        if (token != null && token.isBlank()) {
            throw new IllegalArgumentException("the token is empty: give a secret --token, or none to serve without one");
        }
        allowHosts = List.copyOf(allowHosts);
        for (String h : allowHosts) {
            if (!h.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9.])?")) {
                throw new IllegalArgumentException("--allow-host '" + h + "' is not a host name: give a name such as"
                        + " myhost.lan (IP addresses are always allowed)");
            }
        }
    }

    public ServerOptions(String host, int port, String token, int queue, int maxImages, int maxSteps, int keep) {
        this(host, port, token, queue, maxImages, maxSteps, keep, REQUEST_SECONDS, List.of());
    }

    /** Loopback only, default port 7860, 4 waiting jobs, 64 images and 200 steps per job. */
    public static ServerOptions local(int port) {
        return new ServerOptions("127.0.0.1", port, null, 4, 64, 200, 32);
    }

    /** The names the {@code Host} header may carry besides IP addresses and localhost. */
    List<String> hostNames() {
        return Stream.concat(Stream.of(host), allowHosts.stream()).toList();
    }

    /** True when {@code host} is a loopback address (this machine only); names are not looked up. */
    public boolean loopback() {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
            return false;                                                // a name: assume it reaches other machines
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();        // a literal: no DNS lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The warning to print when the server is reachable from other machines, or null. */
    public String exposureWarning(String tokenSource) {
        if (loopback()) {
            return null;
        }
        return "ldm4j serve: warning: listening on " + host + ", reachable from other machines"
                + (token == null ? " by anyone: set --token (or " + tokenSource + ") to require a bearer token"
                : "; every API call needs the token");
    }
}
