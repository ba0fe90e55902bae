package ldm4j.io;

import java.nio.file.Path;

import ldm4j.LdmException;

/**
 * A write refused because a tensor holds NaN or infinite values; the file on disk is unchanged.
 * Training loops catch it to report divergence with the last good checkpoint.
 */
public final class NonFiniteTensorException extends LdmException {
    private final Path file;
    private final String tensor;

    public NonFiniteTensorException(Path file, String tensor, long element) {
        super("refusing to write " + file + ": tensor '" + tensor + "' holds NaN or infinite values (element " + element
                + "), so training has diverged; the previous file is kept");
        this.file = file;
        this.tensor = tensor;
    }

    public Path file() {
        return file;
    }

    public String tensor() {
        return tensor;
    }
}
