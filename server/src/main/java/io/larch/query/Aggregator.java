package io.larch.query;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.storage.DuckDbEngine;
import io.larch.storage.EventStore;
import io.larch.storage.HeadSegment;
import io.larch.storage.PartBlooms;
import io.larch.storage.PartFiles;
import io.larch.storage.StoreSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Counts over one {@link StoreSnapshot}: DuckDB groups the parts, Java groups the head, and the
 * two are merged exactly. Thread-safe.
 */
public final class Aggregator {
    /** More buckets than this is a mistake (an interval far too small for the range). */
    public static final int MAX_BUCKETS = 10_000;
    public static final int MAX_TOP = 1000;
    private static final int IN_LIST_CHUNK = 1000;

    private final EventStore store;
    private final DuckDbEngine engine;
    private final PartFiles partFiles;
    private final PartBlooms blooms;

    public Aggregator(EventStore store, DuckDbEngine engine, PartFiles partFiles, PartBlooms blooms) {
        this.store = store;
        this.engine = engine;
        this.partFiles = partFiles;
        this.blooms = blooms;
    }

    /**
     * Events per {@code intervalMillis} bucket. Buckets cover {@code [fromMillis, toMillis)} when
     * those are bounded, otherwise the span of the matching events; empty buckets count zero.
     */
    public Aggregations.Histogram histogram(Query query, long intervalMillis, long fromMillis, long toMillis,
                                            QueryBudget budget) {
        if (intervalMillis <= 0) {
            throw new IllegalArgumentException("interval: must be longer than zero");
        }
        TreeMap<Long, long[]> counts = new TreeMap<>();
        StoreSnapshot snapshot = store.snapshot();
        List<PartScan> parts = Planner.plan(snapshot.parts(), query, blooms);
        if (!parts.isEmpty()) {
            CompiledSql where = SqlCompiler.compile(query);
            String sql = "SELECT (ts // " + intervalMillis + ") * " + intervalMillis + " AS bucket, level, count(*) FROM "
                    + PartSql.from(parts, partFiles) + " WHERE " + where.expression() + " GROUP BY 1, 2";
            PartSql.run(engine, sql, where.parameters(), budget, row ->
                    counts.computeIfAbsent(row.getLong(1), b -> new long[Level.values().length])[row.getInt(2)] += row.getLong(3));
        }
        forEachHeadMatch(snapshot, query, budget, event -> counts.computeIfAbsent(
                Math.floorDiv(event.ts(), intervalMillis) * intervalMillis,
                b -> new long[Level.values().length])[event.level().severity()]++);
        long start = fromMillis != Long.MIN_VALUE ? Math.floorDiv(fromMillis, intervalMillis) * intervalMillis
                : counts.isEmpty() ? 0 : counts.firstKey();
        long end = toMillis != Long.MAX_VALUE ? toMillis : counts.isEmpty() ? 0 : counts.lastKey() + intervalMillis;
        if ((end - start) / intervalMillis > MAX_BUCKETS) {
            throw new IllegalArgumentException("interval: " + intervalMillis + " ms makes more than " + MAX_BUCKETS
                    + " buckets over this range; choose a larger interval or a shorter range");
        }
        List<Aggregations.Bucket> buckets = new ArrayList<>();
        for (long bucket = start; bucket < end; bucket += intervalMillis) {
            long[] byLevel = counts.getOrDefault(bucket, new long[Level.values().length]);
            Map<String, Long> levels = new LinkedHashMap<>();
            long total = 0;
            for (Level level : Level.values()) {
                if (byLevel[level.severity()] > 0) {
                    levels.put(level.wireName(), byLevel[level.severity()]);
                    total += byLevel[level.severity()];
                }
            }
            buckets.add(new Aggregations.Bucket(bucket, total, levels));
        }
        return new Aggregations.Histogram(intervalMillis, buckets);
    }

    /**
     * The {@code limit} most frequent values of {@code field}. Exact: a value can only be in the
     * overall top if it is in the parts' top or occurs in the head, so those candidates are
     * counted in both and merged.
     */
    public Aggregations.Top top(Query query, GroupField field, int limit, QueryBudget budget) {
        if (limit < 1 || limit > MAX_TOP) {
            throw new IllegalArgumentException("limit: must be between 1 and " + MAX_TOP + ", got " + limit);
        }
        StoreSnapshot snapshot = store.snapshot();
        Map<String, TopAccumulator> head = new HashMap<>();
        forEachHeadMatch(snapshot, query, budget, event -> {
            String value = field.value().apply(event);
            if (value != null) {
                head.computeIfAbsent(value, v -> new TopAccumulator()).add(1, event.ts(), event.ts(), event.message(), event.ts());
            }
        });
        Map<String, TopAccumulator> merged = new HashMap<>();
        List<PartScan> parts = Planner.plan(snapshot.parts(), query, blooms);
        if (!parts.isEmpty()) {
            CompiledSql where = SqlCompiler.compile(query);
            String select = "SELECT " + field.sqlExpression() + " AS value, count(*), min(ts), max(ts), arg_max(message, ts) FROM "
                    + PartSql.from(parts, partFiles) + " WHERE " + where.expression() + " AND value IS NOT NULL";
            List<Object> parameters = new ArrayList<>(field.sqlParameters());
            parameters.addAll(where.parameters());
            PartSql.run(engine, select + " GROUP BY value ORDER BY 2 DESC, value LIMIT " + limit, parameters, budget,
                    row -> merged.computeIfAbsent(row.getString(1), v -> new TopAccumulator())
                            .add(row.getLong(2), row.getLong(3), row.getLong(4), row.getString(5), row.getLong(4)));
            List<String> headOnly = head.keySet().stream().filter(v -> !merged.containsKey(v)).toList();
            for (int from = 0; from < headOnly.size(); from += IN_LIST_CHUNK) {
                List<String> chunk = headOnly.subList(from, Math.min(headOnly.size(), from + IN_LIST_CHUNK));
                List<Object> chunkParameters = new ArrayList<>(parameters);
                chunkParameters.addAll(field.sqlParameters());
                chunkParameters.addAll(chunk);
                String in = "?" + ", ?".repeat(chunk.size() - 1);
                PartSql.run(engine, select + " AND " + field.sqlExpression() + " IN (" + in + ") GROUP BY value",
                        chunkParameters, budget, row -> merged.computeIfAbsent(row.getString(1), v -> new TopAccumulator())
                                .add(row.getLong(2), row.getLong(3), row.getLong(4), row.getString(5), row.getLong(4)));
            }
        }
        head.forEach((value, counts) -> merged.computeIfAbsent(value, v -> new TopAccumulator()).merge(counts));
        List<Aggregations.TopValue> values = merged.entrySet().stream()
                .map(e -> new Aggregations.TopValue(e.getKey(), e.getValue().count, e.getValue().firstSeen,
                        e.getValue().lastSeen, e.getValue().sample))
                .sorted(Comparator.comparingLong(Aggregations.TopValue::count).reversed()
                        .thenComparing(Aggregations.TopValue::value))
                .limit(limit)
                .toList();
        return new Aggregations.Top(field.name(), values);
    }

    /** Totals by level and kind, and the error rate. */
    public Aggregations.Stats stats(Query query, QueryBudget budget) {
        long[][] counts = new long[Kind.values().length][Level.values().length];
        StoreSnapshot snapshot = store.snapshot();
        List<PartScan> parts = Planner.plan(snapshot.parts(), query, blooms);
        if (!parts.isEmpty()) {
            CompiledSql where = SqlCompiler.compile(query);
            String sql = "SELECT kind, level, count(*) FROM " + PartSql.from(parts, partFiles) + " WHERE "
                    + where.expression() + " GROUP BY 1, 2";
            PartSql.run(engine, sql, where.parameters(), budget, row ->
                    counts[Kind.parse(row.getString(1)).orElseThrow().ordinal()][row.getInt(2)] += row.getLong(3));
        }
        forEachHeadMatch(snapshot, query, budget, event -> counts[event.kind().ordinal()][event.level().severity()]++);
        long total = 0;
        Map<String, Long> byLevel = new LinkedHashMap<>();
        Map<String, Long> byKind = new LinkedHashMap<>();
        for (Kind kind : Kind.values()) {
            for (Level level : Level.values()) {
                long n = counts[kind.ordinal()][level.severity()];
                if (n > 0) {
                    total += n;
                    byLevel.merge(level.wireName(), n, Long::sum);
                    byKind.merge(kind.wireName(), n, Long::sum);
                }
            }
        }
        long errors = byLevel.getOrDefault(Level.ERROR.wireName(), 0L) + byLevel.getOrDefault(Level.FATAL.wireName(), 0L);
        Map<String, Long> levelsInOrder = new LinkedHashMap<>();
        for (Level level : Level.values()) {
            levelsInOrder.put(level.wireName(), byLevel.getOrDefault(level.wireName(), 0L));
        }
        return new Aggregations.Stats(total, levelsInOrder, byKind, total == 0 ? 0 : (double) errors / total);
    }

    private static void forEachHeadMatch(StoreSnapshot snapshot, Query query, QueryBudget budget,
                                         Consumer<LogEvent> action) {
        Predicate<LogEvent> matcher = EventMatcher.compile(query);
        for (HeadSegment segment : snapshot.head()) {
            List<LogEvent> events = segment.events();
            for (int i = 0; i < events.size(); i++) {
                if ((i & Searcher.HEAD_CHECK_EVERY) == 0) {
                    budget.check();
                }
                LogEvent event = events.get(i);
                if (matcher.test(event)) {
                    action.accept(event);
                }
            }
        }
    }

    /** Counts of one value; the sample is the message of its latest event. */
    private static final class TopAccumulator {
        long count;
        long firstSeen = Long.MAX_VALUE;
        long lastSeen = Long.MIN_VALUE;
        String sample;
        long sampleTs = Long.MIN_VALUE;

        void add(long n, long first, long last, String message, long messageTs) {
            count += n;
            firstSeen = Math.min(firstSeen, first);
            lastSeen = Math.max(lastSeen, last);
            if (messageTs >= sampleTs) {
                sample = message;
                sampleTs = messageTs;
            }
        }

        void merge(TopAccumulator other) {
            add(other.count, other.firstSeen, other.lastSeen, other.sample, other.sampleTs);
        }
    }
}
