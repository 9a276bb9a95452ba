package io.larch.security;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drops identical work-log events (same project, user, type, status and message) sent within
 * {@code window} of the last one that passed. A steady stream of repeats passes once per window,
 * so a user watching the feed still sees the event recur. Events are keyed by a 64-bit hash of
 * the tuple (two different events collide with odds of about 2^-64 per pair: a dropped event
 * that was not a repeat, never a stored duplicate).
 *
 * <p>Memory is bounded: at most {@code maxKeys} entries; past that, entries older than the window
 * are dropped, and if all are recent the map is cleared (debounce is a courtesy: forgetting only
 * lets one repeat through).
 *
 * <p>Threading: thread-safe.
 */
public final class Debouncer {
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(1);
    private final Clock clock;
    private final long windowMillis;
    private final int maxKeys;
    /** Last time each key passed, in epoch millis. */
    private final ConcurrentHashMap<Long, Long> passedAt = new ConcurrentHashMap<>();
    /** Epoch millis of the last sweep; 0 lets the first one run. */
    private final AtomicLong lastSweepMillis = new AtomicLong(0);

    public Debouncer(Clock clock, Duration window, int maxKeys) {
        this.clock = clock;
        this.windowMillis = window.toMillis();
        this.maxKeys = maxKeys;
    }

    /**
     * The key of one work-log event. {@code entryId} is the entry an update belongs to (null for
     * a new entry): two tool calls that both end in "done" within a second are not repeats.
     */
    public static long key(long projectId, String userId, String entryId, String logType, String status, String message) {
        long hash = 0xcbf29ce484222325L ^ projectId * 0x9E3779B97F4A7C15L;
        return mix(mix(mix(mix(mix(hash, userId), entryId), logType), status), message);
    }

    /** True when {@code key} passed less than a window ago (drop it); else it passes now. */
    public boolean isRepeat(long key) {
        long now = clock.millis();
        if (passedAt.size() >= maxKeys) {
            long last = lastSweepMillis.get();
            // At most one sweep a window: a flood of distinct events must not make each one scan the map.
            if (now - last >= windowMillis && lastSweepMillis.compareAndSet(last, now)) {
                passedAt.values().removeIf(at -> now - at >= windowMillis);
            }
            if (passedAt.size() >= maxKeys) {
                passedAt.clear();
            }
        }
        boolean[] repeat = new boolean[1];
        passedAt.compute(key, (k, at) -> {
            if (at != null && now - at < windowMillis && now >= at) {
                repeat[0] = true;
                return at;
            }
            return now;
        });
        return repeat[0];
    }

    /** Forgets that {@code key} passed: its event was not stored after all (the batch failed), so a retry must pass. */
    public void forget(long key) {
        passedAt.remove(key);
    }

    public int size() {
        return passedAt.size();
    }

    /** FNV-1a over the chars themselves (no byte copy per event). */
    private static long mix(long hash, String part) {
        if (part == null) {
            return (hash ^ 0x1ffff) * 0x100000001b3L;
        }
        for (int i = 0; i < part.length(); i++) {
            hash = (hash ^ part.charAt(i)) * 0x100000001b3L;
        }
        // A separator that no char equals keeps ("ab","c") apart from ("a","bc").
        return (hash ^ 0x2ffff) * 0x100000001b3L;
    }
}
