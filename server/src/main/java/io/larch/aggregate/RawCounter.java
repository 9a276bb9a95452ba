package io.larch.aggregate;

import io.larch.model.Kind;
import io.larch.part.PartColumns;
import io.larch.part.PartPointReader;
import io.larch.part.PartRecord;
import io.larch.part.PartRowGroup;
import io.larch.query.Query;
import io.larch.search.PartScan;
import io.larch.search.Planner;
import io.larch.search.QueryBudget;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts raw part rows for aggregations whose filter is only project, kind, time and level (the
 * minutes at the ends of a range that rollups cannot answer): in Java, from the ts and level
 * columns of just the row groups whose time span meets the range. DuckDB costs ~3-4 ms per part
 * it opens for this; here it is a fraction of a millisecond. Parts this cannot read are left to
 * DuckDB.
 */
final class RawCounter {
    private static final Logger LOG = LoggerFactory.getLogger(RawCounter.class);

    private final PartPointReader reader;
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
    private final LongAdder rowGroupsRead = new LongAdder();
    /** Row groups whose columns are kept: ~200 KB each. */
    static final int MAX_KEPT_ROW_GROUPS = 128;
    /** Least recently used first; guarded by itself. */
    private final Map<ColumnsKey, Columns> kept = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ColumnsKey, Columns> eldest) {
            return size() > MAX_KEPT_ROW_GROUPS;
        }
    };

    RawCounter(PartPointReader reader) {
        this.reader = reader;
    }

    /** Row groups read here since start. */
    long rowGroupsRead() {
        return rowGroupsRead.sum();
    }

    /** Receives each counted row. */
    interface RowSink {
        void row(Kind kind, int severity, long ts);
    }

    /**
     * Receives a group of rows sharing a value: how many, their first and last time, and where
     * the latest of them is (its message is read only if the value makes the top, {@link #messages}).
     */
    interface ValueSink {
        void add(String value, long n, long first, long last, RowRef latest, long latestId);
    }

    /** One row of a part: row {@code row} of row group {@code rowGroup}. */
    record RowRef(PartRecord part, int rowGroup, int row) {
    }

    /**
     * The messages of {@code rows}, each row group read once; a row whose part cannot be read is
     * left out.
     */
    Map<RowRef, String> messages(Collection<RowRef> rows) {
        Map<RowRef, String> messages = new HashMap<>();
        Map<List<Object>, List<RowRef>> byRowGroup = new LinkedHashMap<>();
        rows.forEach(ref -> byRowGroup.computeIfAbsent(List.of(ref.part().name(), ref.rowGroup()), k -> new ArrayList<>()).add(ref));
        for (List<RowRef> refs : byRowGroup.values()) {
            try {
                PartRowGroup group = reader.rowGroup(refs.getFirst().part(), refs.getFirst().rowGroup());
                rowGroupsRead.increment();
                try {
                    for (RowRef ref : refs) {
                        messages.put(ref, group.string(PartColumns.MESSAGE, ref.row()));
                    }
                } finally {
                    group.release();
                }
            } catch (IOException e) {
                giveUp(refs.getFirst().part(), e);
            }
        }
        return messages;
    }

    /**
     * Groups the rows of {@code scans} (as for {@link #count}) by fingerprint into {@code sink},
     * each group with its latest message; returns the scans left for DuckDB.
     */
    List<PartScan> groupByFingerprint(List<PartScan> scans, Query query, QueryBudget budget, ValueSink sink) {
        Planner.Bounds bounds = Planner.bounds(query);
        List<GroupedPart> groupedParts = scans.parallelStream().map(scan -> {
            budget.check();
            if (!scan.isWhole() || unreadable.contains(scan.part().name())) {
                return GroupedPart.leftForSql(scan);
            }
            try {
                List<FingerprintGroup> groups = new ArrayList<>();
                forEachRowGroupInRange(scan.part(), bounds, true,
                        (rowGroup, rows) -> groupRowGroup(scan.part(), rowGroup, rows, bounds, groups));
                return new GroupedPart(scan, groups, false);
            } catch (IOException e) {
                giveUp(scan.part(), e);
                return GroupedPart.leftForSql(scan);
            }
        }).toList();
        List<PartScan> leftForSql = new ArrayList<>();
        for (GroupedPart part : groupedParts) {
            if (part.leftForSql()) {
                leftForSql.add(part.scan());
            }
            part.groups().forEach(g -> sink.add(g.fingerprint(), g.count(), g.firstTs(), g.lastTs(), g.latestRow(),
                    g.latestId()));
        }
        return leftForSql;
    }

    /** One fingerprint's rows in one row group: how many, their time span, and the latest row. */
    private record FingerprintGroup(String fingerprint, long count, long firstTs, long lastTs, RowRef latestRow,
                                    long latestId) {
    }

    /** A part's groups, or none and {@code leftForSql} when it could not be read in Java. */
    private record GroupedPart(PartScan scan, List<FingerprintGroup> groups, boolean leftForSql) {
        static GroupedPart leftForSql(PartScan scan) {
            return new GroupedPart(scan, List.of(), true);
        }
    }

    /**
     * Adds the groups of one row group's rows within {@code bounds} to {@code into}. Arrays are
     * indexed by the row group's fingerprint dictionary id; the latest row is the one with the
     * highest (ts, id).
     */
    private static void groupRowGroup(PartRecord part, int rowGroup, Columns rows, Planner.Bounds bounds,
                                      List<FingerprintGroup> into) {
        long[] ts = rows.ts();
        int[] severities = rows.severity();
        long[] ids = rows.ids();
        int distinct = rows.fingerprints().length;
        long[] counts = new long[distinct];
        long[] firstTs = new long[distinct];
        long[] lastTs = new long[distinct];
        int[] latestRow = new int[distinct];
        for (int row = 0; row < ts.length; row++) {
            long rowTs = ts[row];
            int severity = severities[row];
            int fingerprint = rows.fingerprintIds()[row];
            if (fingerprint < 0 || rowTs < bounds.fromMillis() || rowTs >= bounds.toMillis() || severity < 0
                    || severity >= 31 || (bounds.levelMask() & (1 << severity)) == 0) {
                continue;
            }
            if (counts[fingerprint]++ == 0) {
                firstTs[fingerprint] = rowTs;
                lastTs[fingerprint] = rowTs;
                latestRow[fingerprint] = row;
                continue;
            }
            firstTs[fingerprint] = Math.min(firstTs[fingerprint], rowTs);
            int latest = latestRow[fingerprint];
            if (rowTs > ts[latest] || rowTs == ts[latest] && ids[row] > ids[latest]) {
                latestRow[fingerprint] = row;
                lastTs[fingerprint] = rowTs;
            }
        }
        for (int fingerprint = 0; fingerprint < distinct; fingerprint++) {
            if (counts[fingerprint] > 0) {
                int latest = latestRow[fingerprint];
                into.add(new FingerprintGroup(rows.fingerprints()[fingerprint], counts[fingerprint], firstTs[fingerprint],
                        lastTs[fingerprint], new RowRef(part, rowGroup, latest), ids[latest]));
            }
        }
    }

    /**
     * The columns range-end counting reads from one row group, copied out of the decoder's pooled
     * arrays: times and levels, and for grouping also ids and fingerprints ({@code ids} null until
     * a grouping asked for them).
     */
    private record Columns(long[] ts, int[] severity, long[] ids, int[] fingerprintIds, String[] fingerprints) {
    }

    private record ColumnsKey(String part, int rowGroup) {
    }

    /** Receives the columns of a row group with its index in the part. */
    private interface RowGroupVisitor {
        void visit(int rowGroup, Columns rows) throws IOException;
    }

    /**
     * Visits the row groups of {@code part} whose time span meets the bounds. Their columns are
     * kept ({@link #MAX_KEPT_ROW_GROUPS}, least recently used dropped): the ends of the ranges a
     * dashboard asks for fall in the same few row groups query after query, and decompressing
     * them each time was most of a filtered 1 h count.
     */
    private void forEachRowGroupInRange(PartRecord part, Planner.Bounds bounds, boolean fingerprints,
                                        RowGroupVisitor visitor) throws IOException {
        for (PartPointReader.RowGroupSpan span : reader.rowGroupSpans(part)) {
            if (span.maxTs() < bounds.fromMillis() || span.minTs() >= bounds.toMillis()) {
                continue;
            }
            ColumnsKey key = new ColumnsKey(part.name(), span.index());
            Columns columns;
            synchronized (kept) {
                columns = kept.get(key);
            }
            if (columns == null || (fingerprints && columns.ids() == null)) {
                columns = read(part, span.index(), fingerprints);
                synchronized (kept) {
                    kept.put(key, columns);
                }
            }
            visitor.visit(span.index(), columns);
        }
    }

    private Columns read(PartRecord part, int rowGroup, boolean fingerprints) throws IOException {
        PartRowGroup rows = reader.rowGroup(part, rowGroup);
        rowGroupsRead.increment();
        try {
            int n = rows.rows();
            long[] ts = Arrays.copyOf(rows.timestamps(), n);
            long[] levels = rows.severities();
            int[] severity = new int[n];
            for (int row = 0; row < n; row++) {
                severity[row] = (int) levels[row];
            }
            if (!fingerprints) {
                return new Columns(ts, severity, null, null, null);
            }
            PartRowGroup.Interned interned = rows.interned(PartColumns.FINGERPRINT);
            return new Columns(ts, severity, Arrays.copyOf(rows.longs(PartColumns.ID), n),
                    Arrays.copyOf(interned.ids(), n), interned.values());
        } finally {
            rows.release();
        }
    }

    private void giveUp(PartRecord part, IOException e) {
        if (unreadable.add(part.name())) {
            LOG.warn("part {} cannot be read in Java ({}); DuckDB reads it", part.name(), e.getMessage());
        }
    }

    /** Whether {@code query} is only a conjunction of project, kind, time and level conditions. */
    static boolean accepts(Query query) {
        List<Query> clauses = query instanceof Query.And and ? and.clauses() : List.of(query);
        for (Query clause : clauses) {
            boolean simple = clause instanceof Query.ProjectIs || clause instanceof Query.KindIn
                    || clause instanceof Query.TimeWithin || clause instanceof Query.LevelIn
                    || clause instanceof Query.LevelCompare;
            if (!simple) {
                return false;
            }
        }
        return true;
    }

    /**
     * Counts the rows of {@code scans} (whole parts chosen by {@link Planner} for {@code query},
     * which {@link #accepts} must accept) into {@code sink}; returns the scans it left for DuckDB.
     */
    List<PartScan> count(List<PartScan> scans, Query query, QueryBudget budget, RowSink sink) {
        Planner.Bounds bounds = Planner.bounds(query);
        record Counted(PartScan scan, long[] ts, int[] severity, int n, boolean failed) {
        }
        List<Counted> counted = scans.parallelStream().map(scan -> {
            budget.check();
            if (!scan.isWhole() || unreadable.contains(scan.part().name())) {
                return new Counted(scan, null, null, 0, true);
            }
            try {
                // Buffered (unboxed) until the whole part is read: a part that fails half-way is counted by DuckDB.
                LongStream.Builder ts = LongStream.builder();
                IntStream.Builder severity = IntStream.builder();
                matchingRows(scan.part(), bounds, ts, severity);
                long[] times = ts.build().toArray();
                return new Counted(scan, times, severity.build().toArray(), times.length, false);
            } catch (IOException e) {
                giveUp(scan.part(), e);
                return new Counted(scan, null, null, 0, true);
            }
        }).toList();
        List<PartScan> left = new ArrayList<>();
        for (Counted part : counted) {
            if (part.failed()) {
                left.add(part.scan());
                continue;
            }
            Kind kind = part.scan().part().kind();
            for (int i = 0; i < part.n(); i++) {
                sink.row(kind, part.severity()[i], part.ts()[i]);
            }
        }
        return left;
    }

    private void matchingRows(PartRecord part, Planner.Bounds bounds, LongStream.Builder ts, IntStream.Builder severity)
            throws IOException {
        forEachRowGroupInRange(part, bounds, false, (rowGroup, rows) -> {
            long[] times = rows.ts();
            int[] levels = rows.severity();
            for (int row = 0; row < times.length; row++) {
                long t = times[row];
                int level = levels[row];
                if (t >= bounds.fromMillis() && t < bounds.toMillis() && level >= 0 && level < 31
                        && (bounds.levelMask() & (1 << level)) != 0) {
                    ts.add(t);
                    severity.add(level);
                }
            }
        });
    }
}
