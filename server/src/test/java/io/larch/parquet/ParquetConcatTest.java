package io.larch.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.datadir.FileNames;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartPointReader;
import io.larch.part.PartRecord;
import io.larch.part.PartRowGroup;
import io.larch.part.PartSchema;
import io.larch.part.TokenBloom;
import io.larch.testing.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merged parts are their inputs' row groups copied whole under a new footer: DuckDB and the Java
 * reader read back exactly the inputs' rows in order, every bloom block still lies in one row
 * group, and inputs of different Parquet schemas are merged through DuckDB instead.
 */
class ParquetConcatTest {
    private static final long T0 = 1_795_000_000_000L;

    @TempDir
    Path dataDir;

    private static List<LogEvent> events(long firstId, int count) {
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long id = firstId + i;
            events.add(new LogEvent(id, T0 + id, T0 + id, 1, Kind.APP, i % 7 == 0 ? Level.ERROR : Level.INFO,
                    "request " + id + (i % 1000 == 3 ? " needle" : ""), "svc-" + (i % 3), i % 50 == 0 ? "stack " + i : null,
                    "fp" + (i % 11), i % 4 == 0 ? "u" + (i % 97) : null, null, null, null, null, null,
                    i % 5 == 0 ? Map.of() : Map.of("n", Long.toString(id))));
        }
        return events;
    }

    private List<PartRecord> sealThree(LocalStore local) throws Exception {
        List<PartRecord> inputs = new ArrayList<>();
        inputs.addAll(local.seal(Kind.APP, events(1, 10_000)));
        inputs.addAll(local.seal(Kind.APP, events(20_001, 5_000)));
        inputs.addAll(local.seal(Kind.APP, events(30_001, 17_000)));
        return inputs;
    }

    @Test
    void aMergedPartIsItsInputsRowGroupsInOrder() throws Exception {
        try (LocalStore local = new LocalStore(dataDir)) {
            List<PartRecord> inputs = sealThree(local);
            List<LogEvent> expected = new ArrayList<>();
            int inputRowGroups = 0;
            PartPointReader reader = new PartPointReader(local.partFiles);
            for (PartRecord input : inputs) {
                expected.addAll(local.rowsOf(local.partFiles.path(input)));
                inputRowGroups += reader.rowGroupSpans(input).size();
            }
            PartRecord merged = local.writer.writeMerged(inputs, FileNames.compactedPartName(0, 1, 3));
            Path file = local.partFiles.path(merged);
            assertEquals(expected, local.rowsOf(file));
            assertEquals(32_000, merged.rowCount());

            List<PartPointReader.RowGroupSpan> spans = reader.rowGroupSpans(merged);
            assertEquals(inputRowGroups, spans.size(), "every input row group is kept whole");
            for (PartPointReader.RowGroupSpan span : spans) {
                PartRowGroup rows = reader.rowGroup(merged, span.index());
                for (int row = 0; row < rows.rows(); row++) {
                    assertEquals(expected.get((int) (span.firstRow() + row)), rows.event(row));
                }
                assertEquals(rows.timestamps()[0], span.minTs(), "footer statistics moved along");
            }
            TokenBloom bloom = TokenBloom.open(local.partFiles.bloomPath(merged));
            for (int block = 0; block < bloom.blocks(); block++) {
                long first = bloom.firstRow(block);
                long last = first + bloom.rowCount(block) - 1;
                assertEquals(reader.rowGroupOf(merged, first), reader.rowGroupOf(merged, last),
                        "bloom block " + block + " lies in one row group");
            }
        }
    }

    @Test
    void inputsOfDifferentSchemasAreMergedThroughDuckDb() throws Exception {
        try (LocalStore local = new LocalStore(dataDir)) {
            List<PartRecord> inputs = sealThree(local);
            // Rewritten from a Parquet scan, DuckDB marks the columns without nulls REQUIRED: another schema.
            Path second = local.partFiles.path(inputs.get(1));
            Path rewritten = second.resolveSibling("rewritten.tmp");
            try (Connection connection = local.duckDb.connect(); Statement statement = connection.createStatement()) {
                statement.execute("COPY (SELECT * FROM read_parquet(" + DuckDbEngine.quotePath(second) + ")) TO "
                        + DuckDbEngine.quotePath(rewritten) + " " + PartSchema.PART_COPY_OPTIONS);
            }
            Files.move(rewritten, second, StandardCopyOption.REPLACE_EXISTING);
            Path out = dataDir.resolve("concat.parquet");
            assertThrows(ParquetConcat.IncompatibleException.class, () -> ParquetConcat.concat(
                    inputs.stream().map(local.partFiles::path).toList(), out));

            List<LogEvent> expected = new ArrayList<>();
            for (PartRecord input : inputs) {
                expected.addAll(local.rowsOf(local.partFiles.path(input)));
            }
            PartRecord merged = local.writer.writeMerged(inputs, FileNames.compactedPartName(0, 1, 3));
            assertEquals(expected, local.rowsOf(local.partFiles.path(merged)));
            assertTrue(Files.size(local.partFiles.path(merged)) > 0);
        }
    }
}
