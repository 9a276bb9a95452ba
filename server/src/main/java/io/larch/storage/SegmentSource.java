package io.larch.storage;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import java.io.IOException;
import java.util.List;

/** What the sealer needs from the WAL, without depending on it; {@code app} wires the WAL in. */
public interface SegmentSource {

    /** How many events the valid records of a closed segment hold, without decoding them. */
    long eventCount(long segmentId, Kind kind) throws IOException;

    /** The events of a closed segment's valid records, decoded. */
    List<LogEvent> events(long segmentId, Kind kind) throws IOException;

    /** Deletes a sealed segment. Idempotent. */
    void delete(long segmentId, Kind kind) throws IOException;
}
