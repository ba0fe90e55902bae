package ldm4j.io;

import java.nio.file.Path;

/**
 * A file's content is malformed or does not match what the caller expects. The message always starts
 * with the file's path, then one line naming the problem: {@code /ckpt/model.safetensors: tensor 'w'
 * has shape [3] but [4] was expected}.
 */
public class FormatException extends ldm4j.LdmException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public FormatException(Path file, String problem) {
        super(message(file, problem));
        this.file = file;
    }

    public FormatException(Path file, String problem, Throwable cause) {
        super(message(file, problem), cause);
        this.file = file;
    }

    /** Keeps the message on one line even when it quotes names that contain line breaks. */
    private static String message(Path file, String problem) {
        return file + ": " + problem.replace("\r", "\\r").replace("\n", "\\n");
    }

    /** The file the problem is in (null after deserialization). */
    public Path file() {
        return file;
    }
}
