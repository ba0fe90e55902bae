package ldm4j.cli;

import java.util.Locale;
import java.util.Map;

/**
 * Recognises running out of memory (a native libtorch allocation failure, whose message carries a
 * multi-kilobyte C++ trace, or Java's {@link OutOfMemoryError}) and words it as one line naming the
 * setting to lower for the command that ran. Pure functions.
 */
final class OutOfMemory {
    private static final Map<String, String> SETTING = Map.of(
            "sample", "--batch (images per forward pass)",
            "eval", "--batch (images per forward pass)",
            "train-classifier", "--batch",
            "data", "--batch",
            "bench", "the preset's batch sizes (--set vae.train.batchSize=N, --set unet.train.batchSize=N)",
            "train-vae", "vae.train.batchSize (--set vae.train.batchSize=N)",
            "train-unet", "unet.train.batchSize (--set unet.train.batchSize=N)",
            "encode", "latents.batchSize (--set latents.batchSize=N)",
            "pipeline", "the batch sizes (--set vae.train.batchSize=N, latents.batchSize=N, unet.train.batchSize=N, "
                    + "sample.batchSize=N)");

    private OutOfMemory() {
    }

    /** Whether {@code t} or a cause of it is a failed allocation. */
    static boolean is(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError) {
                return true;
            }
            String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("not enough memory") || m.contains("out of memory") || m.contains("std::bad_alloc")
                    || m.contains("cannot allocate memory")) {
                return true;
            }
        }
        return false;
    }

    /** The one-line error for {@code command} (a subcommand name; unknown names get generic advice). */
    static String message(Throwable t, String command) {
        String first = "";
        for (Throwable c = t; c != null && first.isEmpty(); c = c.getCause() == c ? null : c.getCause()) {
            first = c.getMessage() == null ? "" : c.getMessage().lines().findFirst().orElse("").strip();
        }
        first = first.replaceFirst("^\\[enforce fail at [^]]*\\]\\s*(data\\.\\s*)?", "");
        if (first.length() > 160) {
            first = first.substring(0, 160) + "...";
        }
        return "out of memory" + (first.isEmpty() ? "" : " (" + first + ")") + ": lower "
                + SETTING.getOrDefault(command, "the batch size") + ", or free memory";
    }
}
