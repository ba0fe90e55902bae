package ldm4j.cli;

import java.nio.file.Path;

import ldm4j.train.Budget;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options of the training commands: run folder, resume and a step / wall-clock budget. */
public final class RunOptions {

    @Option(names = "--run", paramLabel = "DIR", defaultValue = "runs/default",
            description = "Run folder for config, checkpoints, logs and images. Default: ${DEFAULT-VALUE}.")
    Path run;

    @Mixin
    BudgetOptions budget;

    public Path run() {
        return run;
    }

    public boolean resume() {
        return budget.resume();
    }

    public Budget budget() {
        return budget.budget();
    }
}
