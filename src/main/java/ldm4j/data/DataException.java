package ldm4j.data;

import ldm4j.LdmException;

/** A problem with a dataset file or folder; the message names the path and the problem. */
public class DataException extends LdmException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
