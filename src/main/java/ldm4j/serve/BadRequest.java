package ldm4j.serve;

/** Invalid input to the API: answered with 400 and a JSON error naming the field and what it allows. */
public final class BadRequest extends RuntimeException {
    private final String field;
    private final String allowed;

    public BadRequest(String field, String message, String allowed) {
        super(message);
        this.field = field;
        this.allowed = allowed;
    }

    public String field() {
        return field;
    }

    public String allowed() {
        return allowed;
    }
}
