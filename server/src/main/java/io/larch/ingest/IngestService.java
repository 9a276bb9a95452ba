package io.larch.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.model.WorkLogFields;
import io.larch.security.Debouncer;
import io.larch.security.RateLimiter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates and stores a batch: all of it or nothing. In order: parse, normalize and validate
 * every event (redacting secrets on the way, before anything is stored), drop work-log repeats
 * (debounce), take the batch from the rate limits, hand out ids ({@link StoredOrder}), append durably. Thread-safe; each call runs
 * on the caller's thread up to the shared durable append.
 */
public final class IngestService {
    private final EventSink sink;
    /** Events are normalized before their ids are handed out. */
    private static final long UNASSIGNED_ID = 0;

    private final StoredOrder order;
    private final EventNormalizer normalizer;
    private final RateLimiter limiter;
    private final Debouncer debouncer;
    private final Clock clock;
    private final IngestCounters counters = new IngestCounters();

    public IngestService(EventSink sink, StoredOrder order, Fingerprinter fingerprinter, FingerprintMerges merges,
                         RateLimiter limiter, Debouncer debouncer, Clock clock) {
        this.sink = sink;
        this.order = order;
        this.normalizer = new EventNormalizer(fingerprinter, merges);
        this.limiter = limiter;
        this.debouncer = debouncer;
        this.clock = clock;
    }

    /** What this service wrote and refused, for the metrics. */
    public IngestCounters counters() {
        return counters;
    }

    /**
     * Stores the events of {@code request}. Returns once they are durable.
     *
     * @throws RejectedRequestException when the body as a whole is unusable (400, 413, 415) or
     *                                  the store is not accepting (503)
     * @throws InsufficientStorageException when the store's disk is (nearly) full (507); nothing is stored
     * @throws InvalidBatchException    when any event is invalid; nothing is stored
     * @throws io.larch.security.RateLimitedException when the batch passes a rate limit; nothing is stored
     */
    public IngestResult ingest(IngestRequest request) {
        List<JsonNode> nodes;
        try {
            sink.checkAccepting();
            nodes = BatchReader.read(request.body(), request.contentType());
        } catch (RuntimeException refused) {
            // Before the body was read as events: one per request.
            counters.refused(refused, 1);
            throw refused;
        }
        if (nodes.isEmpty()) {
            return new IngestResult(0, List.of(), 0);
        }
        long receivedAt = clock.millis();
        EventNormalizer.Batch batch = new EventNormalizer.Batch(request.projectId(), receivedAt, request.redactor(),
                new ArrayList<>());
        List<LogEvent> events = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            // Ids come once the batch is known to be stored whole: see StoredOrder.
            events.add(normalizer.normalize(nodes.get(i), i, UNASSIGNED_ID, batch));
        }
        if (!batch.errors().isEmpty()) {
            counters.dropped(IngestCounters.DropReason.INVALID,
                    batch.errors().stream().mapToInt(EventError::index).distinct().count());
            throw new InvalidBatchException(nodes.size(), batch.errors());
        }
        boolean[] kept = new boolean[events.size()];
        List<LogEvent> keptEvents = new ArrayList<>(events.size());
        List<Long> debounceKeys = new ArrayList<>();
        Map<String, Integer> workLogsByUser = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            LogEvent event = events.get(i);
            if (event.kind() == Kind.WORK && event.userId() != null) {
                long key = Debouncer.key(event.projectId(), event.userId(), event.attrs().get(WorkLogFields.ENTRY_ID),
                        event.attrs().get(WorkLogFields.LOG_TYPE), event.status(), event.message());
                if (debouncer.isRepeat(key)) {
                    continue;
                }
                debounceKeys.add(key);
                workLogsByUser.merge(event.userId(), 1, Integer::sum);
            }
            kept[i] = true;
            keptEvents.add(event);
        }
        Runnable refund = () -> { };
        StoredOrder.Ticket ticket = null;
        List<LogEvent> stored = List.of();
        try {
            refund = limiter.admitEvents(request.projectId(), request.limits(), keptEvents.size(), workLogsByUser);
            if (!keptEvents.isEmpty()) {
                ticket = order.begin(keptEvents.size());
                List<LogEvent> withIds = new ArrayList<>(keptEvents.size());
                for (int i = 0; i < keptEvents.size(); i++) {
                    withIds.add(keptEvents.get(i).withId(ticket.ids()[i]));
                }
                sink.append(withIds);
                stored = withIds;
                counters.written(withIds);
            }
            counters.dropped(IngestCounters.DropReason.DEBOUNCED, events.size() - keptEvents.size());
        } catch (RuntimeException notStored) {
            counters.refused(notStored, Math.max(1, keptEvents.size()));
            // Nothing of this batch is stored: its events must not count as seen (a retry passes)
            // and its tokens go back (a refused batch costs nothing).
            debounceKeys.forEach(debouncer::forget);
            refund.run();
            throw notStored;
        } finally {
            if (ticket != null) {
                order.finish(ticket, stored);
            }
        }
        // The response's ids line up with the request's events: null for a debounced one.
        List<Long> idList = new ArrayList<>(events.size());
        int next = 0;
        for (boolean wasKept : kept) {
            idList.add(wasKept ? stored.get(next++).id() : null);
        }
        return new IngestResult(stored.size(), idList, events.size() - stored.size());
    }
}
