package io.larch.aggregate;

import io.larch.aggregate.RollupPlan.PartShare;
import io.larch.model.InvalidInputException;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartBlooms;
import io.larch.part.PartFiles;
import io.larch.part.PartPointReader;
import io.larch.part.PartRecord;
import io.larch.part.PartSchema;
import io.larch.query.CompiledSql;
import io.larch.query.Query;
import io.larch.query.SqlCompiler;
import io.larch.search.HeadScan;
import io.larch.search.PartScan;
import io.larch.search.PartSql;
import io.larch.search.Planner;
import io.larch.search.QueryBudget;
import io.larch.search.QueryFailedException;
import io.larch.storage.Engine;
import io.larch.storage.EventStore;
import io.larch.storage.PartIntegrity;
import io.larch.storage.StoreSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Counts over one {@link StoreSnapshot}, merged exactly from three sources: part rollups (counts
 * per minute, level and fingerprint) where the query allows it ({@link RollupPlan}), raw part
 * rows through DuckDB otherwise (bloom-pruned), and the head in Java. Thread-safe.
 */
public final class Aggregator {
    /** Runs of one aggregation at most, when parts are damaged or replaced under it. */
    private static final int MAX_RUNS = 4;
    /** More buckets than this is a mistake (an interval far too small for the range). */
    public static final int MAX_BUCKETS = 10_000;
    public static final int MAX_TOP = 1000;
    private static final int IN_LIST_CHUNK = 1000;

    private final EventStore store;
    private final DuckDbEngine engine;
    private final PartFiles partFiles;
    private final PartBlooms blooms;
    /** Parts' and rollups' files are checked before their rows or counts are used. */
    private final PartIntegrity integrity;
    private final MinuteCounts minuteCounts;
    private final FingerprintHours fingerprintHours;
    private final FingerprintMinutes fingerprintMinutes;
    private final RawCounter rawCounter;
    private final WorkLogCounts workLogCounts;

    public Aggregator(Engine storage) {
        this.store = storage.store();
        this.engine = storage.queryDuckDb();
        this.partFiles = storage.partFiles();
        this.blooms = storage.blooms();
        this.integrity = storage.integrity();
        this.minuteCounts = new MinuteCounts(engine, partFiles);
        this.fingerprintHours = new FingerprintHours(engine, partFiles);
        this.fingerprintMinutes = new FingerprintMinutes(engine, partFiles);
        this.rawCounter = new RawCounter(new PartPointReader(partFiles));
        this.workLogCounts = new WorkLogCounts(store, engine, partFiles, blooms, integrity);
    }

    /** Row groups of parts counted without DuckDB (range ends with a time and level filter) since start. */
    public long pointReadRowGroups() {
        return rawCounter.rowGroupsRead();
    }

    /** Loads the in-memory counts of every published part with a rollup, ahead of the first aggregation. */
    public void warm() {
        List<PartRecord> published = store.snapshot().parts();
        List<PartRecord> withRollup = published.stream().filter(integrity::rollupUsable).toList();
        minuteCounts.of(withRollup, published, QueryBudget.unlimited());
        fingerprintHours.of(withRollup, published, QueryBudget.unlimited());
    }

    /**
     * Adds the in-memory per-minute counts of the shares' rollup minutes and the plan's levels:
     * {@code add(minute, severity, count)}.
     */
    private static void addMinuteCounts(List<PartShare> shares, RollupPlan plan, MinuteSink add) {
        int levelMask = plan.levelMask();
        for (PartShare share : shares) {
            MinuteCounts.PartCounts part = share.minutes();
            for (int m = 0; m < part.counts().length; m++) {
                long minute = part.firstMinute() + m * PartSchema.ROLLUP_MILLIS;
                if (minute < share.rollupFrom() || minute >= share.rollupTo()) {
                    continue;
                }
                for (int severity = 0; severity < Level.values().length; severity++) {
                    long n = part.counts()[m][severity];
                    if (n > 0 && (levelMask >>> severity & 1) != 0) {
                        add.add(minute, severity, n);
                    }
                }
            }
        }
    }

    private interface MinuteSink {
        void add(long minute, int severity, long count);
    }

    /** Where the part side of an aggregation comes from: rollups (with each part's minutes), and raw scans each with its own query. */
    private record Sources(List<PartShare> rollups, List<RawScan> raw) {
    }

    private record RawScan(List<PartScan> scans, Query query) {
    }

    /** Splits the part side of {@code query} between rollups and raw scans; {@code plan} may be null (all raw). */
    private Sources sources(StoreSnapshot snapshot, Query query, RollupPlan plan, QueryBudget budget) {
        if (plan == null) {
            List<PartScan> scans = planRaw(snapshot.parts(), query);
            return new Sources(List.of(), scans.isEmpty() ? List.of() : List.of(new RawScan(scans, query)));
        }
        List<PartRecord> withRollup = new ArrayList<>();
        List<PartRecord> withoutRollup = new ArrayList<>();
        for (PartRecord part : Planner.candidateParts(snapshot.parts(), query)) {
            if (plan.covers(part)) {
                (integrity.rollupUsable(part) ? withRollup : withoutRollup).add(part);
            }
        }
        List<MinuteCounts.PartCounts> minutes = minuteCounts.of(withRollup, snapshot.parts(), budget);
        List<PartShare> shares = new ArrayList<>(withRollup.size());
        Set<Long> settledStart = new HashSet<>();
        Set<Long> settledEnd = new HashSet<>();
        for (int i = 0; i < withRollup.size(); i++) {
            PartShare share = plan.share(withRollup.get(i), minutes.get(i));
            shares.add(share);
            if (!share.rawStart()) {
                settledStart.add(share.part().id());
            }
            if (!share.rawEnd()) {
                settledEnd.add(share.part().id());
            }
        }
        List<RawScan> raw = new ArrayList<>();
        if (!withoutRollup.isEmpty()) {
            Query middle = plan.rawMiddle(query);
            raw.add(new RawScan(planRaw(withoutRollup, middle), middle));
        }
        if (plan.startEdge() != null) {
            List<PartRecord> parts = snapshot.parts().stream().filter(p -> !settledStart.contains(p.id())).toList();
            raw.add(new RawScan(planRaw(parts, plan.startEdge()), plan.startEdge()));
        }
        if (plan.endEdge() != null) {
            List<PartRecord> parts = snapshot.parts().stream().filter(p -> !settledEnd.contains(p.id())).toList();
            raw.add(new RawScan(planRaw(parts, plan.endEdge()), plan.endEdge()));
        }
        raw.removeIf(scan -> scan.scans().isEmpty());
        return new Sources(shares, raw);
    }

    /**
     * Runs an aggregation from scratch (each run keeps its own counts). When reading a part or a
     * rollup fails, the files the query could have read are checked again and the damaged ones
     * set aside; then it runs once more over what is left (and says partial through
     * {@link #partsSkipped}). A failure with every file whole is a real fault and is thrown.
     */
    private <T> T retryingAfterDamage(Query query, Supplier<T> aggregation) {
        for (int attempt = 1; ; attempt++) {
            List<PartRecord> partsBefore = store.snapshot().parts();
            try {
                return aggregation.get();
            } catch (QueryFailedException failed) {
                // A part replaced meanwhile (erasure deletes the old files at once) fails the read of
                // an older snapshot without any file being damaged: the next run reads the new one,
                // unless that too is replaced under it (a busy erasure), hence the bounded loop.
                boolean replacedMeanwhile = store.snapshot().parts() != partsBefore;
                boolean damageFound = integrity.recheckAfterReadError(Planner.candidateParts(store.snapshot().parts(), query)) > 0;
                if ((!damageFound && !replacedMeanwhile) || attempt == MAX_RUNS) {
                    throw failed;
                }
            }
        }
    }

    /** The row groups to read of the parts of {@code parts} that may match {@code query} and whose files are whole. */
    private List<PartScan> planRaw(List<PartRecord> parts, Query query) {
        // Planned by the blooms first, checked after: a part that lives only in the archive is
        // fetched only when its row groups are really to be read.
        return Planner.plan(parts, query, blooms).stream()
                .filter(scan -> integrity.readable(scan.part())).toList();
    }

    /** How many quarantined parts could have held matches of {@code query}: above zero, an answer is partial. */
    public int partsSkipped(Query query) {
        return Planner.candidateParts(store.snapshot().quarantined(), query).size();
    }

    /**
     * Adds one SELECT of {@code columns} over rollup rows per distinct minute range: each part's
     * rows within its own {@code [from, to)} and the plan's level and fingerprint filter.
     */
    private void addRollupSelects(Map<List<Long>, List<PartRecord>> partsByRange, String columns, RollupPlan plan,
                                  List<String> selects, List<Object> parameters) {
        partsByRange.forEach((range, parts) -> {
            CompiledSql where = plan.rollupWhere(range.get(0), range.get(1));
            selects.add("SELECT " + columns + " FROM " + partFiles.readRollups(parts, false) + " WHERE " + where.expression());
            parameters.addAll(where.parameters());
        });
    }

    /** The shares grouped by their rollup minutes. */
    private static Map<List<Long>, List<PartRecord>> byRollupRange(List<PartShare> shares) {
        Map<List<Long>, List<PartRecord>> byRange = new LinkedHashMap<>();
        shares.forEach(share -> addRange(byRange, share.rollupFrom(), share.rollupTo(), share.part()));
        return byRange;
    }

    /**
     * Events per {@code intervalMillis} bucket. Buckets cover {@code [fromMillis, toMillis)} when
     * those are bounded, otherwise the span of the matching events; empty buckets count zero.
     */
    public Aggregations.Histogram histogram(Query query, long intervalMillis, long fromMillis, long toMillis,
                                            QueryBudget budget) {
        return retryingAfterDamage(query, () -> histogramOnce(query, intervalMillis, fromMillis, toMillis, budget));
    }

    private Aggregations.Histogram histogramOnce(Query query, long intervalMillis, long fromMillis, long toMillis,
                                                 QueryBudget budget) {
        if (intervalMillis <= 0) {
            throw new InvalidInputException("interval: must be longer than zero");
        }
        HistogramCounts counts = new HistogramCounts(intervalMillis);
        if (fromMillis != Long.MIN_VALUE && toMillis != Long.MAX_VALUE) {
            counts.checkBucketCount(counts.bucketOf(fromMillis), toMillis);
        }
        StoreSnapshot snapshot = store.snapshot();
        RollupPlan plan = intervalMillis % PartSchema.ROLLUP_MILLIS == 0 ? RollupPlan.of(query) : null;
        Sources sources = sources(snapshot, query, plan, budget);
        String bucket = "(%s // " + intervalMillis + ") * " + intervalMillis;
        List<String> selects = new ArrayList<>();
        List<Object> parameters = new ArrayList<>();
        if (!sources.rollups().isEmpty() && !plan.filtersFingerprint()) {
            addMinuteCounts(sources.rollups(), plan, counts::add);
        } else if (!sources.rollups().isEmpty()) {
            addRollupSelects(byRollupRange(sources.rollups()), bucket.formatted("minute") + " AS bucket, level, n", plan,
                    selects, parameters);
        }
        for (RawScan raw : sources.raw()) {
            List<PartScan> viaSql = countInJava(raw, budget, (kind, severity, ts) -> counts.add(ts, severity, 1));
            if (viaSql.isEmpty()) {
                continue;
            }
            CompiledSql where = SqlCompiler.compile(raw.query());
            selects.add("SELECT " + bucket.formatted("ts") + " AS bucket, level, 1 AS n FROM "
                    + PartSql.from(viaSql, partFiles) + " WHERE " + where.expression());
            parameters.addAll(where.parameters());
        }
        if (!selects.isEmpty()) {
            PartSql.run(engine, "SELECT bucket, level, sum(n) FROM (" + String.join(" UNION ALL ", selects)
                    + ") GROUP BY 1, 2", parameters, budget,
                    row -> counts.addToBucket(row.getLong(1), row.getInt(2), row.getLong(3)));
        }
        HeadScan.forEachMatch(snapshot, query, budget, event -> counts.add(event.ts(), event.level().severity(), 1));
        return counts.histogram(fromMillis, toMillis);
    }

    /**
     * The {@code limit} most frequent values of {@code field}. Exact: fingerprints answered by
     * rollups are all counted (whole hours from memory, the rest from rollup rows and raw edges);
     * otherwise a value can only be in the overall top if it is in the parts' top or occurs in the
     * head, so those candidates are counted in both and merged. Each value's sample is the message
     * of its latest event.
     */
    public Aggregations.Top top(Query query, GroupField field, int limit, QueryBudget budget) {
        if (limit < 1 || limit > MAX_TOP) {
            throw new InvalidInputException("limit: must be between 1 and " + MAX_TOP + ", got " + limit);
        }
        return retryingAfterDamage(query, () -> topOnce(query, field, limit, budget));
    }

    private Aggregations.Top topOnce(Query query, GroupField field, int limit, QueryBudget budget) {
        StoreSnapshot snapshot = store.snapshot();
        Map<String, TopAccumulator> head = new HashMap<>();
        HeadScan.forEachMatch(snapshot, query, budget, event -> {
            String value = field.value().apply(event);
            if (value != null) {
                TopAccumulator.of(head, value).add(1, event.ts(), event.ts(), event.message(), event.ts(), event.id());
            }
        });
        RollupPlan plan = field.isFingerprint() ? RollupPlan.of(query) : null;
        Sources sources = sources(snapshot, query, plan, budget);
        Map<String, TopAccumulator> merged = plan != null && !plan.filtersFingerprint()
                ? everyFingerprintInParts(sources, plan, snapshot, field, budget)
                : partCandidates(sources, plan, field, head.keySet(), limit, budget);
        head.forEach((value, counts) -> TopAccumulator.of(merged, value).merge(counts));
        return ranked(merged, snapshot, query, field, limit, budget);
    }

    /**
     * Every fingerprint's exact count over the parts: whole hours from memory, the rest from
     * rollup rows and raw edges (a few thousand values at most, so no LIMIT is needed). The
     * rollups carry each value's latest message, so no sample lookup is needed either.
     */
    private Map<String, TopAccumulator> everyFingerprintInParts(Sources sources, RollupPlan plan, StoreSnapshot snapshot,
                                                                GroupField field, QueryBudget budget) {
        Map<String, TopAccumulator> merged = new HashMap<>();
        addRollupCounts(sources.rollups(), plan, snapshot, budget, merged);
        // Raw edges whose filter is only time and level are grouped in Java; DuckDB reads what is left.
        RawCounter.ValueSink toMerged = (value, n, first, last, latestRow, latestId) ->
                TopAccumulator.of(merged, value).addFromRow(n, first, last, latestRow, last, latestId);
        List<RawScan> rawLeft = new ArrayList<>();
        for (RawScan raw : sources.raw()) {
            List<PartScan> left = RawCounter.accepts(raw.query())
                    ? rawCounter.groupByFingerprint(raw.scans(), raw.query(), budget, toMerged) : raw.scans();
            if (!left.isEmpty()) {
                rawLeft.add(new RawScan(left, raw.query()));
            }
        }
        CompiledSql rows = valueRows(Map.of(), plan, rawLeft, field, true);
        if (rows != null) {
            PartSql.run(engine, "SELECT value, sum(n)::BIGINT, min(first), max(last), "
                    + PartSchema.latest("sample", "last", "last_id") + ", " + PartSchema.latest("last_id", "last", "last_id")
                    + " FROM (" + rows.expression() + ") WHERE value IS NOT NULL GROUP BY value", rows.parameters(), budget,
                    row -> TopAccumulator.of(merged, row.getString(1)).add(row.getLong(2), row.getLong(3), row.getLong(4),
                            row.getString(5), row.getLong(4), row.getLong(6)));
        }
        return merged;
    }

    /**
     * The values that can make the overall top, counted over the parts: a value can only be in
     * the top if it is in the parts' top {@code limit} or occurs in the head ({@code headValues}),
     * so exactly those are counted. Samples are looked up afterwards for the winners only.
     */
    private Map<String, TopAccumulator> partCandidates(Sources sources, RollupPlan plan, GroupField field,
                                                       Set<String> headValues, int limit, QueryBudget budget) {
        Map<String, TopAccumulator> merged = new HashMap<>();
        CompiledSql rows = valueRows(plan == null ? Map.of() : byRollupRange(sources.rollups()), plan, sources.raw(),
                field, false);
        if (rows == null) {
            return merged;
        }
        PartSql.RowHandler add = row -> TopAccumulator.of(merged, row.getString(1))
                .add(row.getLong(2), row.getLong(3), row.getLong(4), null, Long.MIN_VALUE, Long.MIN_VALUE);
        String grouped = "SELECT value, sum(n)::BIGINT, min(first), max(last) FROM (%s) WHERE value IS NOT NULL%s "
                + "GROUP BY value";
        PartSql.run(engine, grouped.formatted(rows.expression(), "") + " ORDER BY 2 DESC, value LIMIT " + limit,
                rows.parameters(), budget, add);
        List<String> headOnly = headValues.stream().filter(v -> !merged.containsKey(v)).toList();
        for (int from = 0; from < headOnly.size(); from += IN_LIST_CHUNK) {
            List<String> chunk = headOnly.subList(from, Math.min(headOnly.size(), from + IN_LIST_CHUNK));
            List<Object> parameters = new ArrayList<>(rows.parameters());
            parameters.addAll(chunk);
            PartSql.run(engine, grouped.formatted(rows.expression(), " AND value IN (?" + ", ?".repeat(chunk.size() - 1)
                    + ")"), parameters, budget, add);
        }
        return merged;
    }

    /** The {@code limit} values with the highest counts (ties by value), each with its latest message. */
    private Aggregations.Top ranked(Map<String, TopAccumulator> merged, StoreSnapshot snapshot, Query query,
                                    GroupField field, int limit, QueryBudget budget) {
        List<Map.Entry<String, TopAccumulator>> best = merged.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, TopAccumulator>>comparingLong(e -> e.getValue().count).reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(limit)
                .toList();
        resolveRawSamples(best.stream().map(Map.Entry::getValue).toList());
        Map<String, String> partSamples = latestMessagesInParts(snapshot, query, field, best.stream()
                .filter(e -> e.getValue().sampleTs < e.getValue().lastSeen)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().lastSeen)), budget);
        List<Aggregations.TopValue> values = new ArrayList<>();
        for (Map.Entry<String, TopAccumulator> entry : best) {
            TopAccumulator counts = entry.getValue();
            String sample = counts.sampleTs >= counts.lastSeen ? counts.sample : partSamples.get(entry.getKey());
            values.add(new Aggregations.TopValue(entry.getKey(), counts.count, counts.firstSeen, counts.lastSeen, sample));
        }
        return new Aggregations.Top(field.name(), values);
    }

    /**
     * Reads the messages of the values whose latest event was found among raw rows in Java (only
     * where it was, not for every value grouped); a value whose message cannot be read is looked
     * up like one without a sample.
     */
    private void resolveRawSamples(List<TopAccumulator> values) {
        List<RawCounter.RowRef> refs = values.stream().filter(v -> v.sample == null && v.sampleRow != null)
                .map(v -> v.sampleRow).toList();
        if (refs.isEmpty()) {
            return;
        }
        Map<RawCounter.RowRef, String> messages = rawCounter.messages(refs);
        for (TopAccumulator value : values) {
            if (value.sample == null && value.sampleRow != null) {
                value.sample = messages.get(value.sampleRow);
                if (value.sample == null) {
                    value.sampleTs = Long.MIN_VALUE;
                }
                value.sampleRow = null;
            }
        }
    }

    /**
     * For each value, the message of its newest part event at {@code lastSeen}, in one statement:
     * the query, any of the values, within the span of their last-seen times (usually the newest
     * part or two), the bloom filters narrowing the rest.
     */
    private Map<String, String> latestMessagesInParts(StoreSnapshot snapshot, Query query, GroupField field,
                                                      Map<String, Long> lastSeenByValue, QueryBudget budget) {
        Map<String, String> samples = new HashMap<>();
        if (lastSeenByValue.isEmpty()) {
            return samples;
        }
        long from = lastSeenByValue.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        long to = lastSeenByValue.values().stream().mapToLong(Long::longValue).max().orElseThrow() + 1;
        List<Query> anyValue = lastSeenByValue.keySet().stream().map(field.matching()).toList();
        Query sampleQuery = Query.and(List.of(query, anyValue.size() == 1 ? anyValue.getFirst() : new Query.Or(anyValue),
                new Query.TimeWithin(from, to)));
        List<PartScan> scans = planRaw(snapshot.parts(), sampleQuery);
        if (scans.isEmpty()) {
            return samples;
        }
        CompiledSql where = SqlCompiler.compile(sampleQuery);
        List<Object> parameters = new ArrayList<>(field.sqlParameters());
        parameters.addAll(where.parameters());
        Map<String, long[]> newestId = new HashMap<>();
        PartSql.run(engine, "SELECT " + field.sqlExpression() + " AS value, ts, id, message FROM "
                + PartSql.from(scans, partFiles) + " WHERE " + where.expression(), parameters, budget, row -> {
                    String value = row.getString(1);
                    Long lastSeen = lastSeenByValue.get(value);
                    if (lastSeen != null && row.getLong(2) == lastSeen) {
                        long[] best = newestId.computeIfAbsent(value, v -> new long[] {Long.MIN_VALUE});
                        if (row.getLong(3) > best[0]) {
                            best[0] = row.getLong(3);
                            samples.put(value, row.getString(4));
                        }
                    }
                });
        return samples;
    }

    /**
     * Adds each fingerprint's counts over each share's rollup minutes to {@code merged}: the whole
     * hours from {@link FingerprintHours}, the minutes of partial hours at the ends from
     * {@link FingerprintMinutes}; both keep what they read, so a repeated range reads no file.
     */
    private void addRollupCounts(List<PartShare> shares, RollupPlan plan, StoreSnapshot snapshot, QueryBudget budget,
                                 Map<String, TopAccumulator> merged) {
        List<long[]> edgeRanges = new ArrayList<>();
        List<PartRecord> edgeParts = new ArrayList<>();
        List<PartShare> withHours = new ArrayList<>();
        for (PartShare share : shares) {
            long hoursFrom = FingerprintHours.ceilHour(share.rollupFrom());
            long hoursTo = FingerprintHours.floorHour(share.rollupTo());
            if (hoursFrom >= hoursTo) {
                addEdge(edgeRanges, edgeParts, share.rollupFrom(), share.rollupTo(), share.part());
                continue;
            }
            withHours.add(share);
            addEdge(edgeRanges, edgeParts, share.rollupFrom(), hoursFrom, share.part());
            addEdge(edgeRanges, edgeParts, hoursTo, share.rollupTo(), share.part());
        }
        int levelMask = plan.levelMask();
        addEdgeMinutes(edgeRanges, edgeParts, levelMask, budget, merged);
        int allLevels = (1 << Level.values().length) - 1;
        List<FingerprintHours.PartHours> hours = fingerprintHours.of(withHours.stream().map(PartShare::part).toList(),
                snapshot.parts(), budget);
        for (int i = 0; i < withHours.size(); i++) {
            long hoursFrom = FingerprintHours.ceilHour(withHours.get(i).rollupFrom());
            long hoursTo = FingerprintHours.floorHour(withHours.get(i).rollupTo());
            FingerprintHours.PartHours part = hours.get(i);
            if ((levelMask & allLevels) == allLevels && hoursFrom <= part.firstHour() && part.lastHour() < hoursTo) {
                // Every row of the part counts: its per-fingerprint totals say the same in fewer rows.
                for (FingerprintHours.HourRow total : part.totals()) {
                    TopAccumulator.of(merged, total.fingerprint())
                            .add(total.count(), total.minTs(), total.maxTs(), total.sample(), total.maxTs(), total.lastId());
                }
                continue;
            }
            for (FingerprintHours.HourRow row : part.rows()) {
                if (row.hour() >= hoursFrom && row.hour() < hoursTo && (levelMask >>> row.severity() & 1) != 0) {
                    TopAccumulator.of(merged, row.fingerprint())
                            .add(row.count(), row.minTs(), row.maxTs(), row.sample(), row.maxTs(), row.lastId());
                }
            }
        }
    }

    /** Notes {@code [from, to)} of {@code part} as a partial-hour range when the part has events there. */
    private static void addEdge(List<long[]> ranges, List<PartRecord> parts, long from, long to, PartRecord part) {
        if (from < to && part.minTs() < to && part.maxTs() >= from) {
            ranges.add(new long[] {from, to});
            parts.add(part);
        }
    }

    /** Adds the rollup rows within each edge range (and the level filter) to {@code merged}. */
    private void addEdgeMinutes(List<long[]> ranges, List<PartRecord> parts, int levelMask, QueryBudget budget,
                                Map<String, TopAccumulator> merged) {
        List<FingerprintMinutes.Key> keys = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            for (long hour = FingerprintHours.floorHour(ranges.get(i)[0]); hour < ranges.get(i)[1]; hour += FingerprintHours.HOUR_MILLIS) {
                keys.add(new FingerprintMinutes.Key(parts.get(i), hour));
            }
        }
        if (keys.isEmpty()) {
            return;
        }
        Map<FingerprintMinutes.Key, List<FingerprintMinutes.MinuteRow>> rowsByKey = fingerprintMinutes.of(keys, budget);
        for (int i = 0; i < ranges.size(); i++) {
            long from = ranges.get(i)[0];
            long to = ranges.get(i)[1];
            for (long hour = FingerprintHours.floorHour(from); hour < to; hour += FingerprintHours.HOUR_MILLIS) {
                for (FingerprintMinutes.MinuteRow row : rowsByKey.get(new FingerprintMinutes.Key(parts.get(i), hour))) {
                    if (row.minute() >= from && row.minute() < to && (levelMask >>> row.severity() & 1) != 0) {
                        TopAccumulator.of(merged, row.fingerprint())
                                .add(row.count(), row.minTs(), row.maxTs(), row.sample(), row.maxTs(), row.lastId());
                    }
                }
            }
        }
    }

    /** Adds {@code part} to the range {@code [from, to)} when it has events there. */
    private static void addRange(Map<List<Long>, List<PartRecord>> ranges, long from, long to, PartRecord part) {
        if (from < to && part.minTs() < to && part.maxTs() >= from) {
            ranges.computeIfAbsent(List.of(from, to), r -> new ArrayList<>()).add(part);
        }
    }

    /**
     * SQL rows (value, n, first, last) over the part side of a top query: rollup rows of
     * {@code rollupRanges}, and raw rows; with {@code samples} also (sample, last_id), the message
     * and id of the latest event. Null when there is nothing to read.
     */
    private CompiledSql valueRows(Map<List<Long>, List<PartRecord>> rollupRanges, RollupPlan plan, List<RawScan> raws,
                                  GroupField field, boolean samples) {
        List<String> selects = new ArrayList<>();
        List<Object> parameters = new ArrayList<>();
        if (!rollupRanges.isEmpty()) {
            addRollupSelects(rollupRanges, "fingerprint AS value, n, min_ts AS first, max_ts AS last"
                    + (samples ? ", sample, last_id" : ""), plan, selects, parameters);
        }
        for (RawScan raw : raws) {
            CompiledSql where = SqlCompiler.compile(raw.query());
            selects.add("SELECT " + field.sqlExpression() + " AS value, 1 AS n, ts AS first, ts AS last"
                    + (samples ? ", message AS sample, id AS last_id" : "") + " FROM "
                    + PartSql.from(raw.scans(), partFiles) + " WHERE " + where.expression());
            parameters.addAll(field.sqlParameters());
            parameters.addAll(where.parameters());
        }
        return selects.isEmpty() ? null : new CompiledSql(String.join(" UNION ALL ", selects), parameters);
    }

    /**
     * Work-log entries of {@code scope} (its project, kind work, maybe one user or conversation)
     * created in {@code [fromMillis, toMillis)}, per UTC day by type and latest status
     * ({@link WorkLogCounts}).
     */
    public Aggregations.WorkLogStats workLogStats(Query scope, long fromMillis, long toMillis, QueryBudget budget) {
        Query read = Query.and(List.of(scope, new Query.TimeWithin(fromMillis, Long.MAX_VALUE)));
        return retryingAfterDamage(read, () -> workLogCounts.count(scope, fromMillis, toMillis, budget));
    }

    /** Totals by level and kind, and the error rate. */
    public Aggregations.Stats stats(Query query, QueryBudget budget) {
        return retryingAfterDamage(query, () -> statsOnce(query, budget));
    }

    private Aggregations.Stats statsOnce(Query query, QueryBudget budget) {
        long[][] counts = new long[Kind.values().length][Level.values().length];
        StoreSnapshot snapshot = store.snapshot();
        RollupPlan plan = RollupPlan.of(query);
        Sources sources = sources(snapshot, query, plan, budget);
        List<String> selects = new ArrayList<>();
        List<Object> parameters = new ArrayList<>();
        if (!sources.rollups().isEmpty() && !plan.filtersFingerprint()) {
            for (PartShare share : sources.rollups()) {
                int kind = share.part().kind().ordinal();
                addMinuteCounts(List.of(share), plan, (minute, severity, n) -> counts[kind][severity] += n);
            }
        } else if (!sources.rollups().isEmpty()) {
            for (Kind kind : Kind.values()) {
                List<PartShare> ofKind = sources.rollups().stream().filter(share -> share.part().kind() == kind).toList();
                addRollupSelects(byRollupRange(ofKind), "'" + kind.wireName() + "' AS kind, level, n", plan, selects,
                        parameters);
            }
        }
        for (RawScan raw : sources.raw()) {
            List<PartScan> viaSql = countInJava(raw, budget,
                    (kind, severity, ts) -> counts[kind.ordinal()][severity]++);
            if (viaSql.isEmpty()) {
                continue;
            }
            CompiledSql where = SqlCompiler.compile(raw.query());
            selects.add("SELECT kind, level, 1 AS n FROM " + PartSql.from(viaSql, partFiles) + " WHERE "
                    + where.expression());
            parameters.addAll(where.parameters());
        }
        if (!selects.isEmpty()) {
            PartSql.run(engine, "SELECT kind, level, sum(n) FROM (" + String.join(" UNION ALL ", selects)
                    + ") GROUP BY 1, 2", parameters, budget,
                    row -> counts[Kind.parse(row.getString(1)).orElseThrow().ordinal()][row.getInt(2)] += row.getLong(3));
        }
        HeadScan.forEachMatch(snapshot, query, budget, event -> counts[event.kind().ordinal()][event.level().severity()]++);
        long total = 0;
        Map<String, Long> byLevel = new LinkedHashMap<>();
        Map<String, Long> byKind = new LinkedHashMap<>();
        for (Level level : Level.values()) {
            byLevel.put(level.wireName(), 0L);
        }
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
        long errors = byLevel.get(Level.ERROR.wireName()) + byLevel.get(Level.FATAL.wireName());
        return new Aggregations.Stats(total, byLevel, byKind, total == 0 ? 0 : (double) errors / total);
    }

    /**
     * Counts {@code raw} in Java when its filter is simple enough ({@link RawCounter}); returns
     * the scans left for SQL (all of them otherwise).
     */
    private List<PartScan> countInJava(RawScan raw, QueryBudget budget, RawCounter.RowSink sink) {
        return RawCounter.accepts(raw.query()) ? rawCounter.count(raw.scans(), raw.query(), budget, sink) : raw.scans();
    }
}
