package ldm4j.serve;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ldm4j.cli.ServeCommand;

/**
 * {@code ldm4j serve} as a child process on 127.0.0.1: started with the test's class path, its
 * port read from the address line it prints, its output collected, stopped with SIGTERM.
 */
final class ServeProcess implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("http://[^/\\s]+:(\\d+)/");

    final Process process;
    final int port;
    final List<String> output = Collections.synchronizedList(new ArrayList<>());

    private ServeProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts serve on the tiny run with {@code args} (after --run and --port 0) and waits for its address line. */
    static ServeProcess start(Path run, Map<String, String> env, String... args) throws IOException {
        Process p = command(run, env, args).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        int port = -1;
        for (String line; port < 0 && (line = out.readLine()) != null; ) {
            seen.add(line);
            Matcher m = URL.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
        }
        if (port < 0) {
            p.destroyForcibly();
            throw new AssertionError("serve printed no address: " + seen);
        }
        ServeProcess s = new ServeProcess(p, port);
        s.output.addAll(seen);
        Thread drain = new Thread(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    s.output.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "serve-output");
        drain.setDaemon(true);
        drain.start();
        return s;
    }

    /** The command line of serve on {@code run}, standard error merged into standard output. */
    static ProcessBuilder command(Path run, Map<String, String> env, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), "ldm4j.cli.Main",
                "serve", "--run", run.toString(), "--port", "0", "--threads", "1"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OPENBLAS_NUM_THREADS", "1");
        pb.environment().remove(ServeCommand.TOKEN_ENV);
        pb.environment().putAll(env);
        return pb;
    }

    /** Everything the process printed so far. */
    String printed() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /**
     * Sends {@code request} as is over a new connection to 127.0.0.1 and returns the status code of the
     * answer (-1 when the connection was closed or reset without one).
     */
    static int raw(int port, String request, int timeoutMillis) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(timeoutMillis);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return status(s.getInputStream());
        } catch (SocketException e) {
            return -1;                                                           // reset
        }
    }

    /** The status code of the response on {@code in} (-1 at end of stream). */
    static int status(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        String[] parts = line.toString().split(" ");
        return parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();                                                       // SIGTERM
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
