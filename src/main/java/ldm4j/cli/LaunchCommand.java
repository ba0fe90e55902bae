package ldm4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import ldm4j.LdmException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;

/**
 * {@code ldm4j launch}: starts the ranks of a data-parallel job on this machine, one JVM each, with
 * the environment torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
 * MASTER_PORT). Rank 0's output is shown as is, the others' lines prefixed; when a rank fails the
 * others are stopped; Ctrl-C stops every rank at a step boundary with a checkpoint.
 */
@Command(name = "launch", mixinStandardHelpOptions = true,
        description = {"Run a training command, encode, sample or eval data-parallel: N ranks on this machine (one JVM each), or this machine's "
                + "share of a multi-node job (--nnodes, --node-rank, --master).",
                "Example: ldm4j launch --nproc 2 -- train-unet --run runs/pipeline"})
public final class LaunchCommand implements Callable<Integer> {

    @Option(names = "--nproc", paramLabel = "N", defaultValue = "2", description = "Ranks on this machine. Default: ${DEFAULT-VALUE}.")
    int nproc;

    @Option(names = "--threads-per-rank", paramLabel = "T", defaultValue = "0",
            description = "libtorch threads of each rank (0: the cores divided by the ranks).")
    int threadsPerRank;

    @Option(names = "--nnodes", paramLabel = "M", defaultValue = "1", description = "Machines in the job. Default: ${DEFAULT-VALUE}.")
    int nnodes;

    @Option(names = "--node-rank", paramLabel = "I", defaultValue = "0", description = "This machine's index, 0..M-1 (0 serves the rendezvous).")
    int nodeRank;

    @Option(names = "--master", paramLabel = "HOST:PORT",
            description = "Rendezvous address of node 0 (default: 127.0.0.1 and a free port, for one machine).")
    String master;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long ranks wait for each other (rendezvous and every collective). Default: ${DEFAULT-VALUE}.")
    int timeout;

    /** The commands that split their work across ranks (the others run in one process). */
    static final List<String> SPLIT = List.of("train-vae", "train-unet", "train-classifier", "encode", "sample", "eval", "bench");

    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "The ldm4j command and its options, after --.")
    List<String> command;

    @Spec
    CommandSpec spec;

    /** Where the ranks meet: node 0's address and port. */
    private record Rendezvous(String host, int port) {
    }

    /** One started rank: its global number, its process, the thread copying its output, and its last error line. */
    private record Rank(int rank, Process process, Thread pump, AtomicReference<String> lastError) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        validate();
        Rendezvous rendezvous = rendezvous();
        warnIfOversubscribed(err);
        int threads = threadsPerRank > 0 ? threadsPerRank : Math.max(1, Runtime.getRuntime().availableProcessors() / nproc);
        out.printf("launch: %d rank(s) here (ranks %d..%d of %d), %d libtorch thread(s) each, rendezvous %s:%d, timeout %d s: %s%n",
                nproc, nodeRank * nproc, nodeRank * nproc + nproc - 1, nproc * nnodes, threads, rendezvous.host(),
                rendezvous.port(), timeout, String.join(" ", command));
        out.flush();
        List<Rank> ranks = startRanks(rendezvous, threads, out, err);
        forwardSignals(ranks);
        Rank failed = firstFailure(ranks);
        int status = failed == null ? 0 : failed.process().exitValue();
        if (failed != null && !isSignalStatus(status)) {
            stopAfterFailure(ranks, failed, status, err);
        }
        for (Rank r : ranks) {
            r.process().waitFor();
        }
        for (Rank r : ranks) {
            r.pump().join();
        }
        out.flush();
        return failed == null ? 0 : isSignalStatus(status) || status == 2 ? status : 1; // 2: a rank's bad input
    }

    /** --master's HOST:PORT; on one machine without it, the loopback address and a free port. */
    private Rendezvous rendezvous() throws IOException {
        if (master != null) {
            int colon = master.lastIndexOf(':');
            if (colon <= 0) {
                throw new LdmException("--master '" + master + "': expected HOST:PORT");
            }
            return new Rendezvous(master.substring(0, colon), parsePort(master.substring(colon + 1)));
        }
        if (nnodes > 1) {
            throw new LdmException("--nnodes " + nnodes + " needs --master HOST:PORT (node 0's address and a free port)");
        }
        return new Rendezvous("127.0.0.1", freePort());
    }

    private void warnIfOversubscribed(PrintWriter err) {
        int cores = Runtime.getRuntime().availableProcessors();
        if (nproc > cores) {
            err.printf("ldm4j launch: warning: --nproc %d ranks on %d cores: the ranks compete for the cores and every"
                    + " step waits for the slowest; use --nproc %d or fewer%n", nproc, cores, cores);
            err.flush();
        }
    }

    /** Starts this machine's ranks with torchrun's environment; rank 0's output goes to out, the others' (prefixed) to err. */
    private List<Rank> startRanks(Rendezvous rendezvous, int threads, PrintWriter out, PrintWriter err) throws IOException {
        List<Rank> ranks = new ArrayList<>();
        for (int local = 0; local < nproc; local++) {
            int rank = nodeRank * nproc + local;
            ProcessBuilder pb = new ProcessBuilder(javaCommand()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.put("RANK", Integer.toString(rank));
            env.put("WORLD_SIZE", Integer.toString(nproc * nnodes));
            env.put("LOCAL_RANK", Integer.toString(local));
            env.put("LOCAL_WORLD_SIZE", Integer.toString(nproc));
            env.put("MASTER_ADDR", rendezvous.host());
            env.put("MASTER_PORT", Integer.toString(rendezvous.port()));
            env.put("LDM4J_DIST_TIMEOUT", Integer.toString(timeout));
            env.put("LDM4J_THREADS", Integer.toString(threads));
            Process p = pb.start();
            AtomicReference<String> last = new AtomicReference<>();
            String prefix = rank == 0 ? "" : "[rank " + rank + "] ";
            Thread pump = new Thread(() -> pump(p, prefix, rank == 0 ? out : err, last), "rank-" + rank + "-output");
            pump.start();
            ranks.add(new Rank(rank, p, pump, last));
        }
        return ranks;
    }

    /** The ranks get the terminal's Ctrl-C themselves; a signal sent to the launcher alone is passed on. */
    private static void forwardSignals(List<Rank> ranks) {
        List<Process> processes = ranks.stream().map(Rank::process).toList();
        for (String name : List.of("INT", "TERM")) {
            try {
                Signal.handle(new Signal(name), sig -> forward(processes, sig.getName()));
            } catch (IllegalArgumentException unsupported) {
                // keep the default
            }
        }
    }

    /** Waits until every rank has ended or one has failed; returns the first failed rank (in rank order), or null. */
    private static Rank firstFailure(List<Rank> ranks) throws InterruptedException {
        while (true) {
            boolean running = false;
            for (Rank r : ranks) {
                if (r.process().isAlive()) {
                    running = true;
                } else if (r.process().exitValue() != 0) {
                    return r;
                }
            }
            if (!running) {
                return null;
            }
            Thread.sleep(100);
        }
    }

    /** Says which rank failed and why, then stops the others: SIGTERM, and SIGKILL for a rank still alive after the timeout. */
    private void stopAfterFailure(List<Rank> ranks, Rank failed, int status, PrintWriter err) throws InterruptedException {
        String why = failed.lastError().get();
        err.printf("ldm4j launch: rank %d exited with status %d%s; stopping the other ranks%n", failed.rank(), status,
                why == null ? "" : ": " + why);
        err.flush();
        for (Rank r : ranks) {
            r.process().destroy(); // SIGTERM: a rank stops at its next step boundary, or fails in its next collective
        }
        for (Rank r : ranks) {
            if (!r.process().waitFor(timeout + 30L, TimeUnit.SECONDS)) {
                r.process().destroyForcibly();
            }
        }
    }

    /** 130 and 143: the rank was stopped by SIGINT or SIGTERM (a user's stop, not a failure). */
    private static boolean isSignalStatus(int status) {
        return status == 130 || status == 143;
    }

    private void validate() {
        if (nproc < 1 || nproc > 1024) {
            throw new LdmException("--nproc " + nproc + ": expected 1..1024 ranks");
        }
        if (nnodes < 1 || nodeRank < 0 || nodeRank >= nnodes) {
            throw new LdmException("--nnodes " + nnodes + " --node-rank " + nodeRank + ": expected 0 <= node rank < nodes");
        }
        if (threadsPerRank < 0 || timeout < 1) {
            throw new LdmException("--threads-per-rank must be >= 0 and --timeout >= 1 second");
        }
        if (!SPLIT.contains(command.get(0))) {
            throw new LdmException("launch runs the commands that split their work across ranks (" + String.join(", ", SPLIT)
                    + "); '" + command.get(0) + "' runs in one process: start it without launch");
        }
    }

    private List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-X") || a.startsWith("-D")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(command);
        return cmd;
    }

    private static void pump(Process p, String prefix, PrintWriter to, AtomicReference<String> lastError) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("ldm4j: ")) {
                    lastError.set(line.substring("ldm4j: ".length()));
                }
                synchronized (to) {
                    to.println(prefix + line);
                    to.flush();
                }
            }
        } catch (IOException ignored) {
            // the rank exited
        }
    }

    private static void forward(List<Process> ranks, String signal) {
        for (Process p : ranks) {
            if (p.isAlive()) {
                try {
                    new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
                } catch (IOException e) {
                    p.destroy();
                }
            }
        }
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new LdmException("--master port '" + s + "': expected 1..65535");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
