package ldm4j.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Arrays;

import ldm4j.LdmException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code ldm4j} command. Subcommands only parse options, build a config and call the library. */
@Command(name = "ldm4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Class-conditional latent diffusion on the JVM: data, VAE-GAN, latent UNet, sampling.",
        subcommands = {DataCommand.class, ShardsCommand.class, TrainVaeCommand.class, EncodeCommand.class, TrainUnetCommand.class, SampleCommand.class, ServeCommand.class,
                TrainClassifierCommand.class, EvalCommand.class, ReportCommand.class,
                PipelineCommand.class, BenchCommand.class, LaunchCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Run 'ldm4j COMMAND --help' for a command's options."})
public final class Main implements Runnable {

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean debug;

    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command line and returns its exit status: 0 ok, 2 bad input, usage or a setting too
     * large for the machine's memory, 1 internal error.
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = Arrays.asList(args).contains("--debug");
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(e -> isUserError(e) || OutOfMemory.is(e) ? 2 : 1);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("ldm4j: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (debug) {
                ex.printStackTrace(err);
            }
            if (isUserError(ex)) {
                err.println("ldm4j: error: " + oneLine(ex.getMessage()));
                return 2;
            }
            if (OutOfMemory.is(ex)) {
                err.println("ldm4j: error: " + OutOfMemory.message(ex, commandName(parsed)));
                return 2;
            }
            err.println("ldm4j: internal error: " + ex.getClass().getName() + ": " + oneLine(String.valueOf(ex.getMessage()))
                    + (debug ? "" : " (run with --debug for the stack trace)"));
            return 1;
        });
        return cl.execute(args);
    }

    /** The subcommand that ran (e.g. "sample"), for messages. */
    static String commandName(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult p = parsed;
        while (p != null && p.hasSubcommand()) {
            p = p.subcommand();
        }
        return p == null ? "" : p.commandSpec().name();
    }

    static boolean isUserError(Throwable e) {
        return e instanceof LdmException || e instanceof UncheckedIOException;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').strip();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"ldm4j " + (v == null ? "dev" : v) + " (libtorch 2.10.0 via bytedeco 1.5.13, Java "
                    + System.getProperty("java.version") + ")"};
        }
    }
}
