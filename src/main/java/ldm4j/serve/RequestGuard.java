package ldm4j.serve;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;

/**
 * Who may talk to the server, checked before any route runs, as local web UIs must:
 * <ul>
 *   <li>{@code Host} must name this server: an IP address, {@code localhost}, the {@code --host}
 *   name or an {@code --allow-host} name. A web page whose own name resolves to 127.0.0.1 (DNS
 *   rebinding) sends its own name and is refused, so it cannot read the API.</li>
 *   <li>{@code Origin}, when a browser sends one, must be this same server ({@code http://} + Host):
 *   other web pages can neither submit nor cancel jobs nor open event streams.</li>
 *   <li>with a token, every API call (and the training report) must carry it, compared in constant time.</li>
 * </ul>
 */
final class RequestGuard {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-fA-F:.]+(%[0-9A-Za-z]+)?]");

    private final Set<String> names = new TreeSet<>();
    private final String token;

    /** @param hosts names besides IP addresses and {@code localhost} that may appear in {@code Host} */
    RequestGuard(List<String> hosts, String token) {
        names.add("localhost");
        for (String h : hosts) {
            names.add(normal(h));
        }
        this.token = token;
    }

    /** Why the request is refused (403), or null when its Host and Origin are this server. */
    String foreign(HttpExchange ex) {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null || host.isBlank()) {
            return "the request has no Host header: send the address you connect to (HTTP/1.1 requires it)";
        }
        if (!allowedHost(host.strip())) {
            return "Host '" + host.strip() + "' is not an address of this server: open it by IP address or localhost"
                    + " (or start serve with --allow-host NAME)";
        }
        List<String> origins = ex.getRequestHeaders().get("Origin");
        if (origins != null) {
            for (String origin : origins) {
                if (!origin.strip().equalsIgnoreCase("http://" + host.strip())) {
                    return "cross-origin request refused: Origin '" + origin.strip() + "' is not this server (http://"
                            + host.strip() + ")";
                }
            }
        }
        return null;
    }

    /** True when no token is set or the request carries it ({@code Authorization: Bearer} or {@code ?token=}). */
    boolean authorized(HttpExchange ex) {
        if (token == null) {
            return true;
        }
        String given;
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header != null && header.startsWith("Bearer ")) {
            given = header.substring("Bearer ".length()).strip();
        } else {
            given = queryParam(ex.getRequestURI(), "token");
        }
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8));
    }

    /** The Host header's host part (port removed) is an IP literal or an allowed name. */
    boolean allowedHost(String hostHeader) {
        String h = hostHeader;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0 || !(end == h.length() - 1 || h.charAt(end + 1) == ':' && port(h.substring(end + 2)))) {
                return false;
            }
            return IPV6.matcher(h.substring(0, end + 1)).matches();
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            if (!port(h.substring(colon + 1))) {
                return false;
            }
            h = h.substring(0, colon);
        }
        return IPV4.matcher(h).matches() || names.contains(normal(h));
    }

    private static boolean port(String p) {
        return p.matches("\\d{1,5}");
    }

    private static String normal(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    static String queryParam(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String part : q.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).equals(name)) {
                try {
                    return URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;                                        // a malformed %-escape: no token
                }
            }
        }
        return null;
    }

    /** True when the Content-Type header's media type is {@code application/json}. */
    static boolean isJson(HttpExchange ex) {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null) {
            return false;
        }
        int semi = type.indexOf(';');
        return (semi < 0 ? type : type.substring(0, semi)).strip().equalsIgnoreCase("application/json");
    }
}
