package io.larch.query;

import io.larch.meta.PartRecord;
import io.larch.model.LogEvent;
import io.larch.storage.DuckDbEngine;
import io.larch.storage.EventStore;
import io.larch.storage.HeadSegment;
import io.larch.storage.PartFiles;
import io.larch.storage.PartRows;
import io.larch.storage.PartSchema;
import io.larch.storage.StoreSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * Runs searches over one {@link StoreSnapshot}: the head through {@link EventMatcher}, the parts
 * through DuckDB, newest parts first, stopping as soon as no remaining part can place an event
 * on the page. Thread-safe.
 */
public final class Searcher {
    /** Parts read by one SQL statement: enough to amortize statement cost, few enough to stop early. */
    private static final int PARTS_PER_STATEMENT = 8;

    private final EventStore store;
    private final DuckDbEngine engine;
    private final PartFiles partFiles;

    public Searcher(EventStore store, DuckDbEngine engine, PartFiles partFiles) {
        this.store = store;
        this.engine = engine;
        this.partFiles = partFiles;
    }

    public SearchPage search(SearchRequest request) {
        Query query = request.cursor() == null ? request.query()
                : Query.and(List.of(request.query(), request.cursor().asQuery()));
        int wanted = request.limit() + 1;
        StoreSnapshot snapshot = store.snapshot();
        TopEvents top = new TopEvents(wanted);
        Predicate<LogEvent> matcher = EventMatcher.compile(query);
        for (HeadSegment segment : snapshot.head()) {
            for (LogEvent event : segment.events()) {
                if (matcher.test(event)) {
                    top.offer(event);
                }
            }
        }
        List<PartRecord> parts = Planner.candidateParts(snapshot.parts(), query);
        int partsRead = 0;
        int next = 0;
        while (next < parts.size()) {
            LogEvent boundary = top.isFull() ? top.oldest() : null;
            if (boundary != null && parts.get(next).maxTs() < boundary.ts()) {
                break;
            }
            List<PartRecord> batch = new ArrayList<>();
            while (next < parts.size() && batch.size() < PARTS_PER_STATEMENT
                    && (boundary == null || parts.get(next).maxTs() >= boundary.ts())) {
                batch.add(parts.get(next++));
            }
            // Only events at or after the page's current oldest time can still make the page; the
            // bound lets DuckDB skip row groups by their ts statistics.
            Query bounded = boundary == null ? query
                    : Query.and(List.of(query, new Query.TimeWithin(boundary.ts(), Long.MAX_VALUE)));
            readParts(batch, bounded, wanted).forEach(top::offer);
            partsRead += batch.size();
        }
        List<LogEvent> events = top.newestFirst();
        Cursor nextCursor = null;
        if (events.size() > request.limit()) {
            events = events.subList(0, request.limit());
            LogEvent last = events.getLast();
            nextCursor = new Cursor(last.ts(), last.id());
        }
        return new SearchPage(List.copyOf(events), nextCursor, partsRead);
    }

    private List<LogEvent> readParts(List<PartRecord> parts, Query query, int limit) {
        CompiledSql where = SqlCompiler.compile(query);
        String sql = "SELECT " + PartSchema.ALL_COLUMNS + " FROM " + PartSql.from(parts, partFiles) + " WHERE "
                + where.expression() + " ORDER BY ts DESC, id DESC LIMIT " + limit;
        List<LogEvent> events = new ArrayList<>();
        PartSql.run(engine, sql, where.parameters(), row -> events.add(PartRows.read(row)));
        return events;
    }

    /** The newest {@code capacity} events offered so far. */
    private static final class TopEvents {
        private final int capacity;
        /** Oldest at the head, so it is the one to drop. */
        private final PriorityQueue<LogEvent> heap =
                new PriorityQueue<>((a, b) -> LogEvent.compareNewestFirst(b, a));

        TopEvents(int capacity) {
            this.capacity = capacity;
        }

        void offer(LogEvent event) {
            if (heap.size() < capacity) {
                heap.add(event);
            } else if (LogEvent.compareNewestFirst(event, heap.peek()) < 0) {
                heap.poll();
                heap.add(event);
            }
        }

        boolean isFull() {
            return heap.size() >= capacity;
        }

        LogEvent oldest() {
            return heap.peek();
        }

        List<LogEvent> newestFirst() {
            List<LogEvent> events = new ArrayList<>(heap);
            events.sort(LogEvent::compareNewestFirst);
            return events;
        }
    }
}
