package ldm4j.train;

/**
 * Thrown by a {@link Trainable}'s step when its batch itself holds NaN or infinite values (a damaged
 * dataset or latent cache): the training loop reports the source instead of advising a lower learning rate.
 *
 * @see Divergence#message
 */
public final class BadBatchException extends RuntimeException {
    private final String what;
    private final String source;

    /**
     * @param what   the non-finite values, e.g. {@code "loss = NaN"}
     * @param source where the batch came from and how to fix it
     */
    public BadBatchException(String what, String source) {
        super(what + " from " + source);
        this.what = what;
        this.source = source;
    }

    public String what() {
        return what;
    }

    public String source() {
        return source;
    }
}
