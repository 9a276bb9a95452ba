package io.larch.storage;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import java.util.Arrays;
import java.util.List;

/**
 * The in-memory events of one unsealed WAL segment, in WAL order. Appended to by the WAL writer
 * thread only; read by any thread through {@link #events()}, which returns a stable prefix.
 */
public final class HeadSegment {
    private final long segmentId;
    private final Kind kind;
    /** Guarded by {@code this}; slots below {@link #size} never change once written. */
    private LogEvent[] events = new LogEvent[256];
    /** Guarded by {@code this}. */
    private int size;

    public HeadSegment(long segmentId, Kind kind) {
        this.segmentId = segmentId;
        this.kind = kind;
    }

    public long segmentId() {
        return segmentId;
    }

    public Kind kind() {
        return kind;
    }

    public synchronized void append(List<LogEvent> batch) {
        if (size + batch.size() > events.length) {
            events = Arrays.copyOf(events, Math.max(events.length * 2, size + batch.size()));
        }
        for (LogEvent event : batch) {
            events[size++] = event;
        }
    }

    /** The events appended so far; later appends do not change the returned list. */
    public synchronized List<LogEvent> events() {
        return Arrays.asList(events).subList(0, size);
    }

    public synchronized int size() {
        return size;
    }
}
