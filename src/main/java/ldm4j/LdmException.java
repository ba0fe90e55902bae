package ldm4j;

/**
 * A problem with the user's input (an option, a file, a dataset, a checkpoint) rather than a bug.
 * The message is one line that names the input, the problem and the fix; the command line prints
 * it without a stack trace and exits with status 2.
 */
public class LdmException extends RuntimeException {
    public LdmException(String message) {
        super(message);
    }

    public LdmException(String message, Throwable cause) {
        super(message, cause);
    }
}
