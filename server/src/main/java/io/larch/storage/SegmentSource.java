package io.larch.storage;

import io.larch.model.Kind;
import java.io.IOException;
import java.io.OutputStream;

/** What the sealer needs from the WAL, without depending on it; {@code app} wires the WAL in. */
public interface SegmentSource {

    /** Writes the valid payloads of a closed segment (stored-event NDJSON) to {@code out}. */
    void copyPayloads(long segmentId, Kind kind, OutputStream out) throws IOException;

    /** Deletes a sealed segment. Idempotent. */
    void delete(long segmentId, Kind kind) throws IOException;
}
