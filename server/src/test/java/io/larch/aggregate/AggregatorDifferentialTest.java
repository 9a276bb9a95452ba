package io.larch.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.part.PartRecord;
import io.larch.query.EventMatcher;
import io.larch.query.Field;
import io.larch.query.Query;
import io.larch.search.QueryBudget;
import io.larch.testing.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Aggregations answered from rollups, raw parts and the head must equal the same counts taken
 * in Java over every event: random events over three hours, random unaligned time ranges (some
 * ending just inside or outside a minute's events, some spanning whole hours), level and
 * fingerprint filters, some parts compacted, one part without its rollup, one rollup upgraded from
 * the format before rollups held samples, some events in the head.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AggregatorDifferentialTest {
    private static final long T0 = 1_795_000_000_000L;
    private static final long SPAN = 3 * 3_600_000L;
    private final Random random = new Random(11);
    private final List<LogEvent> all = new ArrayList<>();
    private LocalStore local;

    @BeforeAll
    void load(@TempDir Path dir) throws Exception {
        local = new LocalStore(dir);
        long id = 1;
        Map<List<LogEvent>, Kind> headBatches = new java.util.LinkedHashMap<>();
        for (int segment = 0; segment < 12; segment++) {
            Kind kind = segment % 4 == 3 ? Kind.WORK : Kind.APP;
            List<LogEvent> batch = new ArrayList<>();
            for (int i = 0; i < 700; i++) {
                long ts = T0 + (segment * SPAN / 12) + random.nextLong(SPAN / 6);
                batch.add(new LogEvent(id++, ts, ts, 1, kind, Level.ofSeverity(random.nextInt(6)), "m" + id,
                        "src" + random.nextInt(3), null, "fp" + random.nextInt(7), null, null, null, null, null, null, Map.of()));
            }
            all.addAll(batch);
            if (segment < 10) {
                local.seal(kind, batch);
            } else {
                headBatches.put(batch, kind);
            }
        }
        local.compactor.compactNow();
        List<PartRecord> parts = local.store.snapshot().parts();
        PartRecord unrolled = parts.getFirst();
        Files.delete(local.partFiles.rollupPath(unrolled));
        // A rollup from before rollups held samples (and checksums) is rewritten at start-up.
        downgradeRollup(parts.getLast());
        PartRecord legacy = parts.getLast();
        local = local.acceptRewrittenFiles(legacy);
        PartRecord beforeChecksums = new PartRecord(legacy.id(), legacy.name(), legacy.projectId(), legacy.kind(),
                legacy.state(), legacy.nodeId(), legacy.minTs(), legacy.maxTs(), legacy.maxId(), legacy.rowCount(),
                legacy.sizeBytes(), legacy.levels(), legacy.createdAt(), PartRecord.NO_CHECKSUM, PartRecord.NO_CHECKSUM);
        assertEquals(1, local.writer.upgradeRollups(List.of(beforeChecksums)));
        assertEquals(0, local.writer.upgradeRollups(List.of(beforeChecksums)));
        local = local.acceptRewrittenFiles(legacy);
        // Last: a reopened store starts with an empty head (the test's store keeps no WAL).
        headBatches.forEach((batch, kind) -> local.addToHead(kind, batch));
    }

    /** Rewrites a part's rollup as it was before rollups held samples (no sample, last_id columns). */
    private void downgradeRollup(PartRecord part) throws Exception {
        Path rollup = local.partFiles.rollupPath(part);
        Path old = rollup.resolveSibling("old-" + rollup.getFileName());
        try (java.sql.Connection connection = local.duckDb.connect(); java.sql.Statement statement = connection.createStatement()) {
            statement.execute("COPY (SELECT minute, level, fingerprint, n, min_ts, max_ts FROM read_parquet('" + rollup
                    + "')) TO '" + old + "' (FORMAT parquet)");
        }
        Files.move(old, rollup, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @AfterAll
    void close() {
        local.close();
    }

    private Query randomQuery(long from, long to) {
        List<Query> clauses = new ArrayList<>(List.of(new Query.ProjectIs(1), new Query.TimeWithin(from, to)));
        switch (random.nextInt(5)) {
            case 0 -> clauses.add(new Query.LevelCompare(Query.Comparison.GE, Level.WARN));
            case 1 -> clauses.add(new Query.LevelIn(java.util.Set.of(Level.INFO, Level.ERROR)));
            case 2 -> clauses.add(new Query.FieldEquals(Field.FINGERPRINT, "fp" + random.nextInt(7)));
            case 3 -> clauses.add(new Query.KindIn(java.util.Set.of(Kind.WORK)));
            default -> {
            }
        }
        return Query.and(clauses);
    }

    @Test
    void rollupsRawPartsAndHeadAddUpToWhatJavaCounts() {
        long countedInJavaBefore = local.aggregator.pointReadRowGroups();
        for (int round = 0; round < 60; round++) {
            long from = T0 + random.nextLong(SPAN / 2) - 30_000;
            long to = from + 60_000 + random.nextLong(SPAN);
            // Ends just inside or just outside a minute's events, so that parts' edge minutes fall
            // wholly inside the range (counted from rollups) or wholly outside (skipped).
            long minute = 60_000;
            switch (round % 4) {
                case 3 -> {
                    // Ends exactly on events' times: the start is inclusive, the end exclusive.
                    from = all.get(random.nextInt(all.size())).ts();
                    to = from + 60_000 + random.nextLong(SPAN);
                    long end = to;
                    to = all.stream().mapToLong(LogEvent::ts).filter(ts -> ts >= end).min().orElse(end);
                }
                case 1 -> {
                    from = Math.floorDiv(from, minute) * minute + 1;
                    to = Math.floorDiv(to, minute) * minute + minute - 1;
                }
                case 2 -> {
                    from = Math.floorDiv(from, minute) * minute + minute - 1;
                    to = Math.floorDiv(to, minute) * minute + 1;
                }
                default -> {
                }
            }
            Query query = randomQuery(from, to);
            Predicate<LogEvent> matcher = EventMatcher.compile(query);
            List<LogEvent> matching = all.stream().filter(matcher).toList();

            Aggregations.Stats stats = local.aggregator.stats(query, QueryBudget.unlimited());
            assertEquals(matching.size(), stats.total(), query.toString());
            for (Level level : Level.values()) {
                assertEquals(matching.stream().filter(e -> e.level() == level).count(), stats.byLevel().get(level.wireName()));
            }

            long interval = 60_000L * (1 + random.nextInt(10));
            Aggregations.Histogram histogram = local.aggregator.histogram(query, interval, from, to, QueryBudget.unlimited());
            TreeMap<Long, Long> expected = new TreeMap<>();
            matching.forEach(e -> expected.merge(Math.floorDiv(e.ts(), interval) * interval, 1L, Long::sum));
            for (Aggregations.Bucket bucket : histogram.buckets()) {
                assertEquals(expected.getOrDefault(bucket.bucketStart(), 0L), bucket.count(), query + " bucket " + bucket.bucketStart());
            }
            assertEquals(matching.size(), histogram.buckets().stream().mapToLong(Aggregations.Bucket::count).sum());

            for (String field : List.of("fingerprint", "source")) {
                Aggregations.Top top = local.aggregator.top(query, GroupField.parse(field), 3, QueryBudget.unlimited());
                assertEquals(expectedTop(matching, field, 3), top.values(), field + " of " + query);
            }
        }
        assertTrue(local.aggregator.pointReadRowGroups() > countedInJavaBefore,
                "range ends with time and level filters were counted without DuckDB");
    }

    @Test
    void aRangeOverWholePartsCountsTheirFingerprintTotals() {
        // From an hour boundary before every event to after the last: each part's hours are all inside.
        long from = FingerprintHours.floorHour(T0) - FingerprintHours.HOUR_MILLIS;
        long to = T0 + SPAN + 2 * FingerprintHours.HOUR_MILLIS;
        // Also ending at the hour before the head's first event, so the samples come from parts.
        long headStart = all.subList(10 * 700, all.size()).stream().mapToLong(LogEvent::ts).min().orElseThrow();
        for (Query extra : List.of(new Query.All(), new Query.LevelCompare(Query.Comparison.GE, Level.WARN),
                new Query.TimeWithin(from, FingerprintHours.floorHour(headStart)))) {
            Query query = Query.and(List.of(new Query.ProjectIs(1), new Query.TimeWithin(from, to), extra));
            List<LogEvent> matching = all.stream().filter(EventMatcher.compile(query)).toList();
            assertEquals(expectedTop(matching, "fingerprint", 7),
                    local.aggregator.top(query, GroupField.parse("fingerprint"), 7, QueryBudget.unlimited()).values(),
                    query.toString());
        }
    }

    private static List<Aggregations.TopValue> expectedTop(List<LogEvent> matching, String field, int limit) {
        Map<String, List<LogEvent>> byValue = new HashMap<>();
        for (LogEvent e : matching) {
            byValue.computeIfAbsent(field.equals("source") ? e.source() : e.fingerprint(), v -> new ArrayList<>()).add(e);
        }
        Map<String, Aggregations.TopValue> values = new LinkedHashMap<>();
        byValue.forEach((value, events) -> {
            LogEvent latest = events.stream().min(LogEvent::compareNewestFirst).orElseThrow();
            long first = events.stream().mapToLong(LogEvent::ts).min().orElseThrow();
            values.put(value, new Aggregations.TopValue(value, events.size(), first, latest.ts(), latest.message()));
        });
        return values.values().stream()
                .sorted(Comparator.comparingLong(Aggregations.TopValue::count).reversed().thenComparing(Aggregations.TopValue::value))
                .limit(limit).toList();
    }
}
