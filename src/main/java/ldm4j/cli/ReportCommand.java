package ldm4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import ldm4j.LdmException;
import ldm4j.report.Report;
import ldm4j.train.RunDir;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ldm4j report}: (re)write a run's self-contained report.html. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write <run>/report.html: config, loss curves, reconstruction and sample grids, evaluation table. "
                + "pipeline and eval write it too; screenshot it with scripts/screenshot_report.sh."})
public final class ReportCommand implements Callable<Integer> {
    @Option(names = "--run", paramLabel = "DIR", required = true, description = "Run folder.")
    Path run;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        RunDir.requireRunPath(run);
        if (!Files.isDirectory(run)) {
            throw new LdmException(run + " is not a run folder: pass the --run of a train-vae / pipeline run");
        }
        spec.commandLine().getOut().println("wrote " + Report.write(run));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
