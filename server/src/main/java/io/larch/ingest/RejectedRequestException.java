package io.larch.ingest;

/** The request as a whole cannot be taken (bad body, too large, wrong type); {@link #status()} is the HTTP status. */
public final class RejectedRequestException extends RuntimeException {
    private final int status;

    public RejectedRequestException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
