package io.larch.wal;

/** The WAL could not make a batch durable; the batch was not acknowledged and may be retried. */
public final class WalException extends RuntimeException {
    public WalException(String message, Throwable cause) {
        super(message, cause);
    }
}
