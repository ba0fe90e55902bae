package ldm4j.cli;

import picocli.CommandLine.Option;

import ldm4j.torch.Precision;

/** Where a command that loads a trained run computes: libtorch threads and the device. */
public final class ComputeOptions {

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "libtorch threads (0 = one per core).")
    int threads;

    @Option(names = "--device", paramLabel = "cpu|cuda|auto", defaultValue = "auto", description = "Compute device.")
    String device;

    @Option(names = "--precision", paramLabel = "auto|fp32|bf16", description = "Arithmetic of the network calls: bf16 "
            + "autocast, fp32, or auto (bf16 on CUDA and on CPUs with native bf16, fp32 elsewhere). Default: auto.")
    String precision;

    /** The --threads value, refused outside the range every command's config allows (0..1024). */
    int threads() {
        if (threads < 0 || threads > 1024) {
            throw new ldm4j.LdmException("--threads " + threads + " is out of range: expected 0 <= --threads <= 1024"
                    + " (0 = one per core)");
        }
        return threads;
    }

    /** The requested precision, {@code auto} when none was given. */
    String precisionOrAuto() {
        return precision == null ? Precision.AUTO : precision;
    }
}
