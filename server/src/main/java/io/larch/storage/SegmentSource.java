package io.larch.storage;

import io.larch.model.Kind;
import java.io.IOException;

/** What the sealer needs from the WAL, without depending on it; {@code app} wires the WAL in. */
public interface SegmentSource {

    /** The valid payloads of a closed segment: stored-event NDJSON. */
    byte[] readPayloads(long segmentId, Kind kind) throws IOException;

    /** Deletes a sealed segment. Idempotent. */
    void delete(long segmentId, Kind kind) throws IOException;
}
