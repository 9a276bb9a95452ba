package io.larch.ingest;

import io.larch.model.LogEvent;
import java.util.List;

/**
 * Where accepted events go. {@code app} wires the write-ahead log in; ingest never imports storage.
 */
public interface EventSink {

    /**
     * Makes {@code events} (one request's, of any kinds) durable as one unit, returning only once
     * they are: after a crash or a failure either all of them are stored or none. Throws when
     * they could not be stored; then none of them is acknowledged.
     */
    void append(List<LogEvent> events);

    /**
     * Throws {@link RejectedRequestException} (503) when the store cannot take more right now,
     * e.g. because sealing has fallen behind, or {@link InsufficientStorageException} (507) when
     * its disk is below the free space it must keep; checked before any work on a batch, so a
     * refused batch leaves nothing behind. Must be cheap: it runs on every request.
     */
    void checkAccepting();
}
