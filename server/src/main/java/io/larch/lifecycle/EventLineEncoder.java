package io.larch.lifecycle;

import io.larch.model.LogEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Writes events as NDJSON, one line each ending in {@code \n}, in the client-facing event JSON.
 * {@code app} wires the encoder the NDJSON routes use, so an archived object is byte for byte
 * what {@code GET /api/builds/{id}/logs?format=ndjson} answers. Must not close {@code out}.
 */
@FunctionalInterface
public interface EventLineEncoder {
    void write(List<LogEvent> events, OutputStream out) throws IOException;
}
