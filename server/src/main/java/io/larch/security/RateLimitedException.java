package io.larch.security;

/** A rate limit refused a request (HTTP 429 with Retry-After); names the limit so the client knows which. */
public final class RateLimitedException extends RuntimeException {
    private final String limit;
    private final long perMinute;
    private final long retryAfterSeconds;

    RateLimitedException(String message, String limit, long perMinute, long retryAfterSeconds) {
        super(message);
        this.limit = limit;
        this.perMinute = perMinute;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The limit's stable name, e.g. {@code project_events_per_minute}. */
    public String limit() {
        return limit;
    }

    public long perMinute() {
        return perMinute;
    }

    /** Whole seconds, at least 1, until the request would fit. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
