package io.larch.security;

/**
 * A signed request cannot be taken now because the replay cache is full of signatures that are
 * still inside their window (HTTP 503, with {@link #retryAfterSeconds()} as Retry-After). Refusing
 * is the safe side: forgetting a live signature would let its replay through.
 */
public final class SignatureCacheFullException extends RuntimeException {
    private final long retryAfterSeconds;

    SignatureCacheFullException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Seconds until the oldest remembered signatures expire and make room. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
