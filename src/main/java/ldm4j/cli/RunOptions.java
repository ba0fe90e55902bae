package ldm4j.cli;

import java.nio.file.Path;

import ldm4j.train.Budget;
import picocli.CommandLine.Option;

/** Options of the training commands: run folder, resume and a step / wall-clock budget. */
public final class RunOptions {

    @Option(names = "--run", paramLabel = "DIR", defaultValue = "runs/default",
            description = "Run folder for config, checkpoints, logs and images. Default: ${DEFAULT-VALUE}.")
    Path run;

    @Option(names = "--resume", description = "Continue from the run folder's last checkpoint.")
    boolean resume;

    @Option(names = "--max-steps", paramLabel = "N", description = "Stop cleanly after N steps (with a checkpoint).")
    Long maxSteps;

    @Option(names = "--max-minutes", paramLabel = "M", description = "Stop cleanly after M minutes of wall time (with a checkpoint).")
    Double maxMinutes;

    public Path run() {
        return run;
    }

    public boolean resume() {
        return resume;
    }

    public Budget budget() {
        return Budget.of(maxSteps, maxMinutes);
    }
}
