package io.larch.part;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.parquet.ParquetChunkEncoder;
import io.larch.parquet.ParquetConcat;
import io.larch.parquet.ParquetFooter;
import io.larch.testing.JsonLines;
import io.larch.testing.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parts encoded in Java are read back by DuckDB exactly as written; their statistics never make
 * DuckDB skip a matching row group; their schema is DuckDB's own, so merges concatenate them with
 * parts DuckDB wrote; and pages stay bounded when events are large.
 */
class PartParquetWriterTest {
    private static final long T0 = 1_795_000_000_000L;
    private static final Comparator<LogEvent> PART_ORDER = Comparator.comparingLong(LogEvent::ts).thenComparingLong(LogEvent::id);

    @TempDir
    Path dir;
    private LocalStore local;

    @BeforeEach
    void open() throws Exception {
        local = new LocalStore(Files.createDirectories(dir.resolve("store")));
    }

    @AfterEach
    void close() {
        local.close();
    }

    private static List<LogEvent> randomEvents(int count, long seed) {
        Random random = new Random(seed);
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(PartPointReaderTest.randomEvent(random, i + 1, T0 + random.nextInt(3_600_000)));
        }
        events.sort(PART_ORDER);
        return events;
    }

    private Path write(List<LogEvent> events, String name) throws Exception {
        Path file = dir.resolve(name);
        new PartParquetWriter(PartSchema.ROW_GROUP_SIZE, PartParquetWriter.ZSTD_LEVEL).write(events, file);
        return file;
    }

    @Test
    void duckDbReadsEveryRowAsWritten() throws Exception {
        for (int count : List.of(1, 8192, 8193, 20_000)) {
            List<LogEvent> events = randomEvents(count, count);
            Path file = write(events, "part-" + count + ".parquet");
            assertEquals(events, local.rowsOf(file), count + " events");
            assertEquals((count + 8191) / 8192, ParquetFooter.read(file).rowGroups().size());
        }
    }

    @Test
    void emptyAndSpecialValuesSurvive() throws Exception {
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            events.add(new LogEvent(i + 1, T0 + i, T0, 7, Kind.WORK, Level.values()[i % Level.values().length],
                    i % 3 == 0 ? "" : "zero\u0000byte, emoji \uD83E\uDD9C, quote \" tab\t" + i, i % 2 == 0 ? "" : null,
                    null, "fp", i % 5 == 0 ? "" : "u" + i, null, null, null, null, null,
                    i % 4 == 0 ? Map.of() : Map.of("", "", "k\u00e9y", "v\n" + i)));
        }
        assertEquals(events, local.rowsOf(write(events, "special.parquet")));
    }

    @Test
    void statisticsNeverHideAMatchingRow() throws Exception {
        List<LogEvent> events = randomEvents(30_000, 11);
        Path file = write(events, "stats.parquet");
        ParquetFooter footer = ParquetFooter.read(file);
        int tsColumn = footer.leafIndex().get("ts");
        for (ParquetFooter.RowGroup group : footer.rowGroups()) {
            List<LogEvent> rows = events.subList((int) group.firstRow(), (int) (group.firstRow() + group.rows()));
            assertEquals(rows.getFirst().ts(), group.chunks().get(tsColumn).min());
            assertEquals(rows.getLast().ts(), group.chunks().get(tsColumn).max());
        }
        Random random = new Random(3);
        try (Connection connection = local.duckDb.connect()) {
            for (int probe = 0; probe < 40; probe++) {
                LogEvent sample = events.get(random.nextInt(events.size()));
                assertCount(connection, file, events, "user_id", sample.userId(), LogEvent::userId);
                assertCount(connection, file, events, "fingerprint", sample.fingerprint(), LogEvent::fingerprint);
                assertCount(connection, file, events, "source", sample.source(), LogEvent::source);
                assertCount(connection, file, events, "status", sample.status(), LogEvent::status);
                assertCount(connection, file, events, "message", sample.message(), LogEvent::message);
                assertCount(connection, file, events, "trace_id", sample.traceId(), LogEvent::traceId);
                assertCount(connection, file, events, "level", sample.level().severity(), e -> e.level().severity());
                assertCount(connection, file, events, "received_at", sample.receivedAt(), LogEvent::receivedAt);
                assertCount(connection, file, events, "ts", sample.ts(), LogEvent::ts);
                assertCount(connection, file, events, "id", sample.id(), LogEvent::id);
            }
        }
    }

    private static void assertCount(Connection connection, Path file, List<LogEvent> events, String column, Object value,
                                    Function<LogEvent, Object> field) throws Exception {
        if (value == null) {
            return;
        }
        long expected = events.stream().filter(e -> Objects.equals(value, field.apply(e))).count();
        try (PreparedStatement statement = connection.prepareStatement("SELECT count(*) FROM read_parquet("
                + DuckDbEngine.quotePath(file) + ") WHERE " + column + " = ?")) {
            statement.setObject(1, value);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                assertEquals(expected, result.getLong(1), column + " = " + value);
            }
        }
    }

    @Test
    void largeEventsAreSplitIntoPagesAndReadBack() throws Exception {
        List<LogEvent> events = new ArrayList<>();
        Random random = new Random(5);
        long textBytes = 0;
        for (int i = 0; i < 400; i++) {
            StringBuilder message = new StringBuilder("big ").append(i).append(' ');
            while (message.length() < 9_000) {
                message.append("köln ").append(random.nextInt(1_000_000)).append(' ');
            }
            textBytes += message.length();
            events.add(new LogEvent(i + 1, T0 + i, T0 + i, 1, Kind.APP, Level.INFO, message.toString(), null, null, "fp",
                    null, null, null, null, null, null, Map.of("i", Integer.toString(i))));
        }
        assertTrue(textBytes > 3L * ParquetChunkEncoder.PAGE_VALUE_BYTES, "one row group holds several pages of text");
        Path file = write(events, "large.parquet");
        assertEquals(events, local.rowsOf(file));
        ParquetFooter footer = ParquetFooter.read(file);
        ParquetFooter.RowGroup group = footer.rowGroups().getFirst();
        long start = group.chunks().stream().mapToLong(ParquetFooter.Chunk::offset).min().orElseThrow();
        long end = group.chunks().stream().mapToLong(c -> c.offset() + c.length()).max().orElseThrow();
        byte[] bytes = java.util.Arrays.copyOfRange(Files.readAllBytes(file), (int) start, (int) end);
        PartRowGroup rows = new PartRowGroup(footer, group, bytes, start);
        for (int row = 0; row < events.size(); row++) {
            assertEquals(events.get(row), rows.event(row));
        }
    }

    @Test
    void partsWrittenByDuckDbAndByJavaConcatenate() throws Exception {
        List<LogEvent> older = randomEvents(10_000, 21);
        Path byDuckDb = dir.resolve("duckdb.parquet");
        Path ndjson = dir.resolve("events.ndjson");
        Files.write(ndjson, JsonLines.encode(older));
        try (Connection connection = local.duckDb.connect(); Statement statement = connection.createStatement()) {
            statement.execute("COPY (SELECT " + PartSchema.ALL_COLUMNS + " FROM read_json(" + DuckDbEngine.quotePath(ndjson)
                    + ", format = 'newline_delimited', columns = " + PartSchema.READ_JSON_COLUMNS + ")) TO "
                    + DuckDbEngine.quotePath(byDuckDb) + " " + PartSchema.PART_COPY_OPTIONS);
        }
        List<LogEvent> newer = randomEvents(9_000, 22);
        Path byJava = write(newer, "java.parquet");
        Path merged = dir.resolve("merged.parquet");
        ParquetConcat.concat(List.of(byDuckDb, byJava), merged);
        List<LogEvent> expected = new ArrayList<>(older);
        expected.addAll(newer);
        assertEquals(expected, local.rowsOf(merged));
        assertTrue(Files.size(byJava) < Files.size(byDuckDb) * 1.15,
                "no bigger than DuckDB's encoding: " + Files.size(byJava) + " vs " + Files.size(byDuckDb));
    }

    @Test
    void rollupsAreWhatDuckDbComputesFromThePart() throws Exception {
        Random random = new Random(13);
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            // Times before 1970 too (minutes are cut toward zero, as DuckDB's // does), and many equal times.
            long ts = (i % 10 == 0 ? -200_000 : T0) + random.nextInt(3_000) * 1_000L;
            events.add(PartPointReaderTest.randomEvent(random, 1 + random.nextInt(1_000_000), ts));
        }
        events.sort(PART_ORDER);
        Path part = write(events, "rolled.parquet");
        Path rollup = dir.resolve("rolled.rollup.parquet");
        RollupParquetWriter.write(events, rollup);
        String columns = "minute, level, fingerprint, n, min_ts, max_ts, sample, last_id";
        List<List<Object>> expected = rows(PartSchema.rollupOf("read_parquet(" + DuckDbEngine.quotePath(part) + ")"), columns);
        List<List<Object>> actual = rows("SELECT * FROM read_parquet(" + DuckDbEngine.quotePath(rollup) + ")", columns);
        assertTrue(expected.size() > 1_000, "many rollup rows: " + expected.size());
        assertEquals(expected, actual);
        try (Connection connection = local.duckDb.connect(); Statement statement = connection.createStatement();
             ResultSet types = statement.executeQuery("SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE SELECT * FROM read_parquet("
                     + DuckDbEngine.quotePath(rollup) + "))")) {
            types.next();
            assertEquals("minute BIGINT, level UTINYINT, fingerprint VARCHAR, n BIGINT, min_ts BIGINT, max_ts BIGINT, "
                    + "sample VARCHAR, last_id BIGINT", types.getString(1));
        }
    }

    /** The rows of a query, in its order (the rollup file's own order for a plain scan). */
    private List<List<Object>> rows(String query, String columns) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection connection = local.duckDb.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT " + columns + " FROM (" + query + ")")) {
            int width = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<Object> row = new ArrayList<>();
                for (int c = 1; c <= width; c++) {
                    row.add(result.getString(c));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
