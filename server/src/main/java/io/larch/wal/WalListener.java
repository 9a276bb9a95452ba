package io.larch.wal;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import java.util.List;

/**
 * Receives what the WAL made durable, on the WAL's writer thread, in WAL order. Implementations
 * must be quick and must not block: they run between an fsync and the acknowledgement of every
 * request in that group.
 */
public interface WalListener {

    /** {@code events} are durable in segment {@code segmentId}. Called before the batch is acknowledged. */
    void onDurable(long segmentId, Kind kind, List<LogEvent> events);

    /**
     * Segment {@code segmentId} is closed: no record will be added to it, and {@link #onDurable}
     * was called for every record in it. It may now be sealed.
     */
    void onSegmentClosed(long segmentId, Kind kind);
}
