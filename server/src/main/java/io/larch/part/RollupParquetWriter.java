package io.larch.part;

import static io.larch.parquet.ParquetFooterWriter.*;

import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.parquet.ParquetFileWriter;
import io.larch.parquet.ParquetFooter;
import io.larch.parquet.ParquetFooterWriter;
import io.larch.parquet.ParquetLeaf;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a sealed part's rollup from its events, the rows and file schema that
 * {@link PartSchema#rollupOf} gives through DuckDB: per minute, level and fingerprint, the
 * count, first and last time, and the message and id of the latest event, ordered by minute,
 * level, fingerprint. Computed while the events are in memory instead of DuckDB decoding the
 * part it was just given (3% of the server's CPU under full ingest).
 */
final class RollupParquetWriter {
    /** DuckDB's default row group size, which rollups were written with. */
    private static final int ROW_GROUP_ROWS = 122_880;
    private static final int LEVELS = Level.values().length;
    private static final Comparator<Row> MINUTE_ORDER =
            Comparator.comparingInt((Row row) -> row.level).thenComparing(row -> row.fingerprint);

    private RollupParquetWriter() {
    }

    private static final class Row {
        final long minute;
        final int level;
        final String fingerprint;
        long count;
        long minTs;
        long maxTs;
        String sample;
        long lastId;

        Row(long minute, int level, String fingerprint, long ts) {
            this.minute = minute;
            this.level = level;
            this.fingerprint = fingerprint;
            this.minTs = ts;
        }
    }

    /** Writes the rollup of {@code events} (in part order: by ts, then id) to the new file {@code file}. */
    static long write(List<LogEvent> events, Path file) throws IOException {
        List<Row> rows = rows(events);
        ParquetLeaf minute = ParquetLeaf.column("minute", ParquetFooter.INT64, 0, true);
        ParquetLeaf level = ParquetLeaf.column("level", ParquetFooter.INT32, 0, true);
        ParquetLeaf fingerprint = ParquetLeaf.column("fingerprint", ParquetFooter.BYTE_ARRAY, 0, true);
        ParquetLeaf count = ParquetLeaf.column("n", ParquetFooter.INT64, 1, true);
        ParquetLeaf minTs = ParquetLeaf.column("min_ts", ParquetFooter.INT64, 1, false);
        ParquetLeaf maxTs = ParquetLeaf.column("max_ts", ParquetFooter.INT64, 1, false);
        ParquetLeaf sample = ParquetLeaf.column("sample", ParquetFooter.BYTE_ARRAY, 1, false);
        ParquetLeaf lastId = ParquetLeaf.column("last_id", ParquetFooter.INT64, 1, false);
        return ParquetFileWriter.write(file, SCHEMA, List.of(minute, level, fingerprint, count, minTs, maxTs, sample, lastId),
                rows.size(), ROW_GROUP_ROWS, PartParquetWriter.ZSTD_LEVEL, (from, to) -> {
                    for (Row row : rows.subList(from, to)) {
                        minute.add(row.minute);
                        level.add(row.level);
                        fingerprint.add(row.fingerprint);
                        count.add(row.count);
                        minTs.add(row.minTs);
                        maxTs.add(row.maxTs);
                        sample.add(row.sample);
                        lastId.add(row.lastId);
                    }
                });
    }

    /**
     * The rollup rows in file order. Events come by time, so minutes come in order and one
     * minute's rows are complete when the next minute starts; each event is the latest of its
     * row so far. The minute is {@code ts / 60000 * 60000} with Java's (and DuckDB's {@code //})
     * division toward zero, so times before 1970 fall where DuckDB put them.
     */
    private static List<Row> rows(List<LogEvent> events) {
        List<Row> rows = new ArrayList<>();
        List<Row> minuteRows = new ArrayList<>();
        Map<String, Row[]> byFingerprint = new HashMap<>();
        long currentMinute = Long.MIN_VALUE;
        for (LogEvent event : events) {
            long minute = event.ts() / PartSchema.ROLLUP_MILLIS * PartSchema.ROLLUP_MILLIS;
            if (minute != currentMinute) {
                flush(minuteRows, rows);
                byFingerprint.clear();
                currentMinute = minute;
            }
            int level = event.level().severity();
            Row[] levels = byFingerprint.computeIfAbsent(event.fingerprint(), f -> new Row[LEVELS]);
            Row row = levels[level];
            if (row == null) {
                row = new Row(minute, level, event.fingerprint(), event.ts());
                levels[level] = row;
                minuteRows.add(row);
            }
            row.count++;
            row.maxTs = event.ts();
            row.sample = event.message();
            row.lastId = event.id();
        }
        flush(minuteRows, rows);
        return rows;
    }

    private static void flush(List<Row> minuteRows, List<Row> rows) {
        minuteRows.sort(MINUTE_ORDER);
        rows.addAll(minuteRows);
        minuteRows.clear();
    }

    /** The schema DuckDB writes for {@link PartSchema#rollupOf}, element for element. */
    private static final List<ParquetFooterWriter.SchemaElement> SCHEMA = List.of(
            ParquetFooterWriter.SchemaElement.group("duckdb_schema", REQUIRED, 8, -1),
            ParquetFooterWriter.SchemaElement.leaf("minute", ParquetFooter.INT64, REQUIRED, INT_64),
            ParquetFooterWriter.SchemaElement.leaf("level", ParquetFooter.INT32, REQUIRED, UINT_8),
            ParquetFooterWriter.SchemaElement.leaf("fingerprint", ParquetFooter.BYTE_ARRAY, REQUIRED, UTF8),
            ParquetFooterWriter.SchemaElement.leaf("n", ParquetFooter.INT64, OPTIONAL, INT_64),
            ParquetFooterWriter.SchemaElement.leaf("min_ts", ParquetFooter.INT64, OPTIONAL, INT_64),
            ParquetFooterWriter.SchemaElement.leaf("max_ts", ParquetFooter.INT64, OPTIONAL, INT_64),
            ParquetFooterWriter.SchemaElement.leaf("sample", ParquetFooter.BYTE_ARRAY, OPTIONAL, UTF8),
            ParquetFooterWriter.SchemaElement.leaf("last_id", ParquetFooter.INT64, OPTIONAL, INT_64));
}
