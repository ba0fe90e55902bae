package ldm4j.cli;

import picocli.CommandLine.Option;

/** Where a command that loads a trained run computes: libtorch threads and the device. */
public final class ComputeOptions {

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "libtorch threads (0 = one per core).")
    int threads;

    @Option(names = "--device", paramLabel = "cpu|cuda|auto", defaultValue = "auto", description = "Compute device.")
    String device;
}
