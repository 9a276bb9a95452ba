package io.larch.ingest;

import io.larch.model.EventId;
import java.time.Clock;

/**
 * Hands out {@link EventId}s: unique, increasing. When a millisecond's 4096 sequence numbers run
 * out, ids borrow the next millisecond; when the clock steps back, ids keep counting from the
 * last one. Thread-safe.
 */
public final class IdGenerator {
    private final Clock clock;
    private final int node;
    /** Guarded by {@code this}. */
    private long lastMillis;
    /** Guarded by {@code this}. */
    private int sequence;

    public IdGenerator(Clock clock, int node) {
        if (node < 0 || node > EventId.MAX_NODE) {
            throw new IllegalArgumentException("node id must be 0-" + EventId.MAX_NODE);
        }
        this.clock = clock;
        this.node = node;
    }

    /** Makes every later id greater than {@code id} (call with the largest id found at start-up). */
    public synchronized void advancePast(long id) {
        long millis = EventId.millisOf(id);
        if (millis > lastMillis || (millis == lastMillis && (int) (id & EventId.MAX_SEQUENCE) >= sequence)) {
            lastMillis = millis;
            sequence = (int) (id & EventId.MAX_SEQUENCE) + 1;
        }
    }

    /** Above every id handed out so far and at most every id handed out later. */
    public synchronized long lowestNext() {
        return sequence > EventId.MAX_SEQUENCE ? EventId.pack(lastMillis + 1, node, 0)
                : EventId.pack(lastMillis, node, sequence);
    }

    /**
     * Makes every later id at least the first of the clock's current millisecond, even if the
     * clock steps back afterwards: an idle node's release point then moves on with time, which
     * other nodes' live tails wait for (they deliver in id order across nodes).
     */
    public synchronized void catchUpWithClock() {
        long now = clock.millis();
        if (now > lastMillis) {
            lastMillis = now;
            sequence = 0;
        }
    }

    /** {@code count} consecutive ids. */
    public synchronized long[] next(int count) {
        long[] ids = new long[count];
        long now = clock.millis();
        if (now > lastMillis) {
            lastMillis = now;
            sequence = 0;
        }
        for (int i = 0; i < count; i++) {
            if (sequence > EventId.MAX_SEQUENCE) {
                lastMillis++;
                sequence = 0;
            }
            ids[i] = EventId.pack(lastMillis, node, sequence++);
        }
        return ids;
    }
}
