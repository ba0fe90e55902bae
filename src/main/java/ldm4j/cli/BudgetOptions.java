package ldm4j.cli;

import ldm4j.train.Budget;
import picocli.CommandLine.Option;

/** Options of every training command: resume, and a step / wall-clock budget. */
public final class BudgetOptions {

    @Option(names = "--resume", description = "Continue from the newest checkpoint of this training.")
    boolean resume;

    @Option(names = "--max-steps", paramLabel = "N", description = "Stop cleanly after N steps (with a checkpoint).")
    Long maxSteps;

    @Option(names = "--max-minutes", paramLabel = "M", description = "Stop cleanly after M minutes of wall time (with a checkpoint).")
    Double maxMinutes;

    public boolean resume() {
        return resume;
    }

    public Budget budget() {
        return Budget.of(maxSteps, maxMinutes);
    }
}
