package io.larch.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.model.LogEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates and stores a batch: all of it or nothing. Thread-safe; each call runs on the
 * caller's thread up to the shared durable append.
 */
public final class IngestService {
    private final EventSink sink;
    private final IdGenerator ids;
    private final EventNormalizer normalizer;
    private final Clock clock;

    public IngestService(EventSink sink, IdGenerator ids, Fingerprinter fingerprinter, Clock clock) {
        this.sink = sink;
        this.ids = ids;
        this.normalizer = new EventNormalizer(fingerprinter);
        this.clock = clock;
    }

    /**
     * Stores the events in {@code body} for {@code projectId}. Returns once they are durable.
     *
     * @throws RejectedRequestException when the body as a whole is unusable (400, 413, 415) or
     *                                  the store is not accepting (503)
     * @throws InvalidBatchException    when any event is invalid; nothing is stored
     */
    public IngestResult ingest(long projectId, byte[] body, String contentType) {
        sink.checkAccepting();
        List<JsonNode> nodes = BatchReader.read(body, contentType);
        if (nodes.isEmpty()) {
            return new IngestResult(0, List.of());
        }
        long receivedAt = clock.millis();
        long[] eventIds = ids.next(nodes.size());
        EventNormalizer.Batch batch = new EventNormalizer.Batch(projectId, receivedAt, new ArrayList<>());
        List<LogEvent> events = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            events.add(normalizer.normalize(nodes.get(i), i, eventIds[i], batch));
        }
        if (!batch.errors().isEmpty()) {
            throw new InvalidBatchException(nodes.size(), batch.errors());
        }
        sink.append(events);
        List<Long> idList = new ArrayList<>(eventIds.length);
        for (long id : eventIds) {
            idList.add(id);
        }
        return new IngestResult(events.size(), idList);
    }
}
