package io.larch.objectstore;

import java.time.Duration;

/**
 * How a store retries a transient failure: at most {@code maxAttempts} tries, waiting
 * {@code firstBackoff}, then twice as long each time up to {@code maxBackoff}, and never past
 * {@code maxTotal} from the first try (a wait that would end later is not started).
 */
public record RetryPolicy(int maxAttempts, Duration firstBackoff, Duration maxBackoff, Duration maxTotal) {
    /** About a minute of trying: long enough for a restart of MinIO or a blip at R2, short enough that the archiver moves on. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(8, Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(60));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (firstBackoff.isNegative() || maxBackoff.compareTo(firstBackoff) < 0 || maxTotal.isNegative()) {
            throw new IllegalArgumentException("backoffs must be 0 <= first <= max, and the total not negative");
        }
    }

    /** The wait before try {@code attempt + 1} (attempts count from 1). */
    Duration backoffAfter(int attempt) {
        long millis = firstBackoff.toMillis();
        for (int i = 1; i < attempt && millis < maxBackoff.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
}
