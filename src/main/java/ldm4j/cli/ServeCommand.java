package ldm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import ldm4j.LatentDiffusion;
import ldm4j.LdmException;
import ldm4j.serve.Server;
import ldm4j.serve.ServerOptions;
import ldm4j.torch.Threads;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j serve}: a local web page and HTTP API for generating images from a trained run. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a web page and an HTTP JSON API that generate images from a trained run.",
                "Jobs run one at a time from a bounded queue; Ctrl-C stops (the running job is cancelled)."})
public final class ServeCommand implements Callable<Integer> {
    /** The environment variable that may hold the token instead of --token. */
    public static final String TOKEN_ENV = "LDM4J_TOKEN";

    @Option(names = "--run", paramLabel = "DIR", required = true, description = "Run folder with vae.safetensors and unet.safetensors.")
    Path run;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on. Default: ${DEFAULT-VALUE} (this machine only); anything else is reachable from other hosts.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "7860", description = "Port (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "Require 'Authorization: Bearer TOKEN' on every API call (or set " + TOKEN_ENV + "); an empty one is refused.")
    String token;

    @Option(names = "--allow-host", paramLabel = "NAME",
            description = "A host name the browser may use besides IP addresses, localhost and --host (repeatable); other names are refused (DNS rebinding).")
    List<String> allowHosts = new ArrayList<>();

    @Option(names = "--request-timeout", paramLabel = "SECONDS", defaultValue = "" + ServerOptions.REQUEST_SECONDS,
            description = "A request's header and body must arrive within this time, else the connection is closed. Default: ${DEFAULT-VALUE}.")
    int requestSeconds;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "4", description = "Jobs that may wait; more answer 429. Default: ${DEFAULT-VALUE}.")
    int queue;

    @Option(names = "--max-images", paramLabel = "N", defaultValue = "64", description = "Images per job at most. Default: ${DEFAULT-VALUE}.")
    int maxImages;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "200", description = "Sampler steps per job at most. Default: ${DEFAULT-VALUE}.")
    int maxSteps;

    @Mixin
    ComputeOptions compute;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String secret = token != null ? token : System.getenv(TOKEN_ENV);
        if (secret != null && secret.isBlank()) {
            throw new LdmException((token != null ? "--token" : TOKEN_ENV) + " is empty: a blank token would turn"
                    + " authentication off; give a secret, or leave " + (token != null ? "--token out" : TOKEN_ENV + " unset")
                    + " to serve without one");
        }
        ServerOptions options;
        try {
            options = new ServerOptions(host, port, secret, queue, maxImages, maxSteps, 32, requestSeconds, allowHosts);
        } catch (IllegalArgumentException e) {
            throw new LdmException(e.getMessage());
        }
        Threads.configure(compute.threads());
        LatentDiffusion ldm = LatentDiffusion.load(run, compute.device, compute.precisionOrAuto(), null);
        spec.commandLine().getErr().println("serve: " + ldm.sampler().precision().describe());
        Server server;
        try {
            server = new Server(ldm, options, new SecureRandom(), err);
        } catch (BindException e) {
            throw new LdmException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "): choose another --port, or stop what uses it");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        String warning = options.exposureWarning(TOKEN_ENV);
        if (warning != null) {
            err.println(warning);
            err.flush();
        }
        CountDownLatch stopped = new CountDownLatch(1);
        int bound = server.port();
        Thread hook = new Thread(() -> {                                 // Ctrl-C (SIGINT) or SIGTERM
            out.println("ldm4j serve: stopping (cancelling jobs)");
            out.flush();
            server.close();
            out.println("ldm4j serve: stopped, port " + bound + " released");
            out.flush();
            stopped.countDown();
        }, "ldm4j-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        String shown = host.contains(":") ? "[" + host + "]" : host;
        out.printf("ldm4j serve: http://%s:%d/%s  (run %s, %d classes, model hash %s; Ctrl-C stops)%n", shown,
                bound, options.token() == null ? "" : "?token=...", ldm.model().name(), ldm.classes().size(),
                ldm.model().sha256().substring(0, 10));
        out.flush();
        stopped.await();
        return 0;
    }
}
