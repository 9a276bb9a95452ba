package io.larch.search;

import io.larch.model.LogEvent;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartBlooms;
import io.larch.part.PartFiles;
import io.larch.part.PartPointReader;
import io.larch.part.PartRows;
import io.larch.part.PartSchema;
import io.larch.query.CompiledSql;
import io.larch.query.EventMatcher;
import io.larch.query.Query;
import io.larch.query.SqlCompiler;
import io.larch.storage.Engine;
import io.larch.storage.EventStore;
import io.larch.storage.PartIntegrity;
import io.larch.storage.StoreSnapshot;
import io.larch.part.PartRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs searches over one {@link StoreSnapshot}: the head through {@link EventMatcher}, the parts
 * through DuckDB, newest parts first, stopping as soon as no remaining part can place an event
 * on the page, and reading only the row groups whose token blooms admit the query's words.
 * Thread-safe.
 */
public final class Searcher {
    /**
     * The most parts one SQL statement reads. Statements start with the newest part alone and
     * double while the page is not full: a page that one part fills costs one part, a sparse
     * query does not pay one statement per part.
     */
    private static final int MAX_PARTS_PER_STATEMENT = 64;
    /** Row groups of the newest part read first; see {@link #tailFirst}. */
    private static final int TAIL_ROW_GROUPS = 2;
    private static final String NEWEST_FIRST = "ts DESC, id DESC";
    /** Ids grow as events are stored. */
    private static final String STORED_ORDER = "id";

    private final EventStore store;
    private final DuckDbEngine engine;
    private final PartFiles partFiles;
    private final PartBlooms blooms;
    private final PointSearch pointSearch;
    private final PartIntegrity integrity;

    public Searcher(Engine storage) {
        this.store = storage.store();
        this.engine = storage.queryDuckDb();
        this.partFiles = storage.partFiles();
        this.blooms = storage.blooms();
        this.integrity = storage.integrity();
        this.pointSearch = new PointSearch(new PartPointReader(partFiles));
    }

    /** Row groups read without DuckDB (rare-word searches) since start. */
    public long pointReadRowGroups() {
        return pointSearch.rowGroupsRead();
    }

    /** One page; {@code budget} bounds its time and can cancel it. */
    public SearchPage search(SearchRequest request, QueryBudget budget) {
        Query query = request.cursor() == null ? request.query()
                : Query.and(List.of(request.query(), request.cursor().asQuery()));
        StoreSnapshot snapshot = store.snapshot();
        // One more than the page, so that a full page knows whether a next one exists.
        TopEvents top = new TopEvents(request.limit() + 1);
        HeadScan.forEachMatch(snapshot, query, budget, top::offer, () -> top.isFull() ? top.oldest().ts() : Long.MIN_VALUE);
        PartsTally tally = new PartsTally();
        readPartsNewestFirst(snapshot, query, top, budget, tally);
        List<LogEvent> events = top.newestFirst();
        Cursor nextCursor = null;
        if (events.size() > request.limit()) {
            events = events.subList(0, request.limit());
            LogEvent last = events.getLast();
            nextCursor = new Cursor(last.ts(), last.id());
        }
        return new SearchPage(List.copyOf(events), nextCursor, tally.read.size(), partsSkipped(query) + tally.unavailable,
                tally.archivedRead());
    }

    /**
     * The first {@code limit} matches stored after event {@code afterId}, in the order they were
     * stored (by id): what a feed asks every second or two ("anything new since the last one I
     * have?"). Parts whose newest id is not above {@code afterId} are not read, so a poll for
     * recent events reads the head's postings and at most the newest parts.
     */
    public AfterPage after(Query query, long afterId, int limit, QueryBudget budget) {
        Query after = Query.and(List.of(query, new Query.IdAbove(afterId)));
        StoreSnapshot snapshot = store.snapshot();
        PriorityQueue<LogEvent> firstStored = new PriorityQueue<>(Comparator.comparingLong(LogEvent::id).reversed());
        Consumer<LogEvent> offer = event -> {
            firstStored.add(event);
            if (firstStored.size() > limit + 1) {
                firstStored.poll();
            }
        };
        HeadScan.forEachMatch(snapshot, after, budget, offer);
        PartsTally tally = new PartsTally();
        List<PartScan> scans = readable(Planner.plan(snapshot.parts(), after, blooms), tally);
        if (!scans.isEmpty()) {
            readViaSql(scans, after, STORED_ORDER, limit + 1, budget).forEach(offer);
        }
        List<LogEvent> events = new ArrayList<>(firstStored);
        events.sort(Comparator.comparingLong(LogEvent::id));
        boolean more = events.size() > limit;
        // The latest snapshot, not the one read: a part found damaged by this very read was skipped too.
        return new AfterPage(List.copyOf(more ? events.subList(0, limit) : events), more,
                partsSkipped(after) + tally.unavailable);
    }

    /**
     * Events stored after a given one, oldest first; {@code more} when others follow them (ask
     * again after the last). {@code partsSkipped}: as in {@link SearchPage}.
     */
    public record AfterPage(List<LogEvent> events, boolean more, int partsSkipped) {
    }

    /** How many quarantined parts could have held matches of {@code query} (in the latest snapshot). */
    public int partsSkipped(Query query) {
        return Planner.candidateParts(store.snapshot().quarantined(), query).size();
    }

    /** What a query read of the parts, for its answer: parts read, archive-only ones among them, and archive-only ones it could not fetch. */
    private static final class PartsTally {
        final Map<Long, PartRecord> read = new HashMap<>();
        int unavailable;

        int archivedRead() {
            return (int) read.values().stream().filter(PartRecord::isArchiveOnly).count();
        }
    }

    /**
     * The scans whose parts a query may read now. An archive-only part that cannot be fetched
     * (the archive is down) is left out and counted: the answer then says it is partial. A
     * damaged one is quarantined, and counted with the quarantined parts.
     */
    private List<PartScan> readable(List<PartScan> candidates, PartsTally tally) {
        List<PartScan> readable = new ArrayList<>(candidates.size());
        for (PartScan scan : candidates) {
            if (integrity.readable(scan.part())) {
                readable.add(scan);
            } else if (scan.part().isArchiveOnly()
                    && store.snapshot().quarantined().stream().noneMatch(p -> p.id() == scan.part().id())) {
                tally.unavailable++;
            }
        }
        return readable;
    }

    /**
     * Offers the matches in the snapshot's parts to {@code top}, newest parts first, until no
     * remaining part can place an event on the page; {@code tally} counts what was read.
     */
    private void readPartsNewestFirst(StoreSnapshot snapshot, Query query, TopEvents top, QueryBudget budget,
                                      PartsTally tally) {
        List<PartScan> planned = Planner.plan(snapshot.parts(), query, blooms);
        PointSearch.Anchors anchors = PointSearch.anchors(query);
        List<PartScan> scans = tailFirst(planned);
        // A word the blooms place in one or two row groups of the newest part is rare: its matches
        // are spread thin, so read many narrowed parts per statement instead of growing from one.
        int batchSize = isRare(planned) ? MAX_PARTS_PER_STATEMENT : 1;
        int next = 0;
        while (next < scans.size()) {
            LogEvent boundary = top.isFull() ? top.oldest() : null;
            if (boundary != null && scans.get(next).part().maxTs() < boundary.ts()) {
                break;
            }
            List<PartScan> batch = nextBatch(scans.subList(next, scans.size()), batchSize, top.isFull(), boundary);
            next += batch.size();
            // Only events at or after the page's current oldest time can still make the page; the
            // bound lets DuckDB skip row groups by their ts statistics.
            Query bounded = boundary == null ? query
                    : Query.and(List.of(query, new Query.TimeWithin(boundary.ts(), Long.MAX_VALUE)));
            readParts(batch, bounded, anchors, top.capacity(), budget, tally).forEach(top::offer);
            if (!top.isFull()) {
                batchSize = Math.min(batchSize * 2, MAX_PARTS_PER_STATEMENT);
            }
        }
    }

    /**
     * The scans to read in one statement, from the start of {@code remaining}: the first, the
     * ones that overlap it in time (they can interleave with its rows), and while the page is not
     * full more, up to {@code batchSize}; none that ends before the page's {@code boundary}.
     */
    private static List<PartScan> nextBatch(List<PartScan> remaining, int batchSize, boolean pageFull,
                                            LogEvent boundary) {
        List<PartScan> batch = new ArrayList<>();
        long batchMinTs = remaining.getFirst().part().minTs();
        for (PartScan scan : remaining) {
            boolean overlaps = batch.isEmpty() || scan.part().maxTs() >= batchMinTs;
            boolean canPlace = boundary == null || scan.part().maxTs() >= boundary.ts();
            if (batch.size() >= batchSize || !(overlaps || !pageFull) || !canPlace) {
                break;
            }
            batchMinTs = Math.min(batchMinTs, scan.part().minTs());
            batch.add(scan);
        }
        return batch;
    }

    private static boolean isRare(List<PartScan> scans) {
        return !scans.isEmpty() && !scans.getFirst().isWhole() && scans.getFirst().rowRanges().size() <= 2
                && scans.getFirst().rowRanges().stream().mapToLong(r -> r[1] - r[0] + 1).sum()
                        <= 2L * PartSchema.ROW_GROUP_SIZE;
    }

    /**
     * Splits the newest part, when read whole, into its last {@link #TAIL_ROW_GROUPS} row groups
     * and the rest, tail first. Rows in a part run oldest to newest, so a page of a common word is
     * usually found in the tail; the rest is then read with the page's time bound, which lets
     * DuckDB skip its row groups by their statistics.
     */
    private static List<PartScan> tailFirst(List<PartScan> scans) {
        if (scans.isEmpty() || !scans.getFirst().isWhole()) {
            return scans;
        }
        PartScan newest = scans.getFirst();
        long rows = newest.part().rowCount();
        long tailStart = rows - (long) TAIL_ROW_GROUPS * PartSchema.ROW_GROUP_SIZE;
        if (tailStart <= 0) {
            return scans;
        }
        List<PartScan> split = new ArrayList<>(scans.size() + 1);
        split.add(new PartScan(newest.part(), List.of(new long[] {tailStart, rows - 1})));
        split.add(new PartScan(newest.part(), List.of(new long[] {0, tailStart - 1})));
        split.addAll(scans.subList(1, scans.size()));
        return split;
    }

    /**
     * The newest {@code limit} matches of {@code query} in {@code scans}: scans the blooms narrowed
     * to a few row groups are read in Java when the query has words to test rows by, the rest
     * through DuckDB.
     */
    private List<LogEvent> readParts(List<PartScan> candidates, Query query, PointSearch.Anchors anchors, int limit,
                                     QueryBudget budget, PartsTally tally) {
        List<PartScan> scans = readable(candidates, tally);
        scans.forEach(scan -> tally.read.put(scan.part().id(), scan.part()));
        List<PartScan> viaSql = scans;
        List<LogEvent> events = new ArrayList<>();
        if (!anchors.isEmpty()) {
            List<PartScan> point = scans.stream().filter(scan -> pointSearch.accepts(scan, anchors)).toList();
            if (!point.isEmpty()) {
                PointSearch.Result result = pointSearch.read(point, anchors, query, limit, budget);
                events.addAll(result.events());
                viaSql = new ArrayList<>(scans.stream().filter(scan -> !point.contains(scan)).toList());
                viaSql.addAll(result.fallback());
            }
        }
        if (!viaSql.isEmpty()) {
            events.addAll(readViaSql(viaSql, query, NEWEST_FIRST, limit, budget));
        }
        return events;
    }

    /**
     * The newest {@code limit} matches in {@code scans} through DuckDB. When DuckDB fails to read
     * them, their files are checked again: the damaged ones are quarantined and the rest read
     * once more; a failure with every file whole is a real fault.
     */
    private List<LogEvent> readViaSql(List<PartScan> scans, Query query, String order, int limit, QueryBudget budget) {
        CompiledSql where = SqlCompiler.compile(query);
        try {
            return select(scans, where, order, limit, budget);
        } catch (QueryFailedException failed) {
            List<PartScan> whole = scans.stream()
                    .filter(scan -> integrity.recheck(scan.part()) != PartIntegrity.Check.DAMAGED).toList();
            if (whole.size() == scans.size()) {
                throw failed;
            }
            return whole.isEmpty() ? List.of() : select(whole, where, order, limit, budget);
        }
    }

    /** The first {@code limit} matches in {@code scans} in {@code order} (an ORDER BY list). */
    private List<LogEvent> select(List<PartScan> scans, CompiledSql where, String order, int limit, QueryBudget budget) {
        List<LogEvent> events = new ArrayList<>();
        String sql = "SELECT " + PartSchema.ALL_COLUMNS + " FROM " + PartSql.from(scans, partFiles) + " WHERE "
                + where.expression() + " ORDER BY " + order + " LIMIT " + limit;
        PartSql.run(engine, sql, where.parameters(), budget, row -> events.add(PartRows.read(row)));
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

        int capacity() {
            return capacity;
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
