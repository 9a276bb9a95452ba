package io.larch.part;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.datadir.FileNames;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.model.Tokenizer;
import io.larch.parquet.ParquetFooter;
import io.larch.testing.LocalStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java point reader must read back exactly what DuckDB reads from the same part files: every
 * row of parts written by {@link PartWriter} (sealed and merged), with nulls, empty and missing
 * attrs, non-ASCII text, columns DuckDB writes dictionary-encoded and plain.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartPointReaderTest {
    private static final long T0 = 1_795_000_000_000L;
    private static final String[] WORDS = {"timeout", "Order", "failed", "card", "Grüße", "köln", "日本", "db-1", "42",
            "payment", "\u212Aelvin", "quokka"};
    private LocalStore local;
    private PartPointReader reader;
    private final List<PartRecord> parts = new ArrayList<>();

    @BeforeAll
    void sealParts(@TempDir Path dir) throws Exception {
        local = new LocalStore(dir);
        reader = new PartPointReader(local.partFiles);
        Random random = new Random(7);
        long id = 1;
        for (int p = 0; p < 3; p++) {
            List<LogEvent> events = new ArrayList<>();
            int count = p == 0 ? 20_000 : 3_000;
            for (int i = 0; i < count; i++) {
                events.add(randomEvent(random, id++, T0 + p * 1_000_000L + i * 7L));
            }
            parts.addAll(local.seal(p == 2 ? Kind.WORK : Kind.APP, events));
        }
        List<PartRecord> app = parts.stream().filter(part -> part.kind() == Kind.APP).toList();
        parts.add(local.writer.writeMerged(app, FileNames.compactedPartName(0, 900, 901)));
    }

    @AfterAll
    void close() {
        local.close();
    }

    static LogEvent randomEvent(Random random, long id, long ts) {
        StringBuilder message = new StringBuilder();
        int words = 1 + random.nextInt(8);
        for (int w = 0; w < words; w++) {
            message.append(w == 0 ? "" : " ").append(random.nextInt(3) == 0 ? Integer.toString(random.nextInt(100_000))
                    : WORDS[random.nextInt(WORDS.length)]);
        }
        if (random.nextInt(10) == 0) {
            // Longer than 127 bytes: the length prefix before it in a plain page has a byte >= 0x80.
            message.append(" ").append("x".repeat(130 + random.nextInt(300)));
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        int attrCount = random.nextInt(4);
        for (int a = 0; a < attrCount; a++) {
            attrs.put("k" + random.nextInt(6), random.nextInt(5) == 0 ? null : "v" + random.nextInt(random.nextBoolean() ? 3 : 50_000));
        }
        return new LogEvent(id, ts, ts + random.nextInt(1000), 1, Kind.APP, Level.values()[random.nextInt(Level.values().length)],
                message.toString(), random.nextBoolean() ? "api-" + random.nextInt(4) : null,
                random.nextInt(10) == 0 ? "Exception at line " + random.nextInt(1000) + "\n\tat Foo.bar" : null,
                "fp" + random.nextInt(30), random.nextInt(3) == 0 ? "u" + random.nextInt(100_000) : null,
                random.nextInt(20) == 0 ? "c" + random.nextInt(10) : null, null, random.nextBoolean() ? "dep-7" : null,
                random.nextInt(4) == 0 ? Long.toHexString(random.nextLong()) : null,
                random.nextInt(6) == 0 ? Integer.toString(200 + random.nextInt(300)) : null, attrs);
    }

    /** Every row of {@code part} as DuckDB reads it, in file order. */
    private List<LogEvent> duckDbRows(PartRecord part) throws Exception {
        List<LogEvent> rows = new ArrayList<>();
        try (Connection connection = local.duckDb.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT " + PartSchema.ALL_COLUMNS + " FROM read_parquet("
                     + DuckDbEngine.quotePath(local.partFiles.path(part)) + ", file_row_number = true) ORDER BY file_row_number")) {
            while (result.next()) {
                rows.add(PartRows.read(result));
            }
        }
        return rows;
    }

    @Test
    void readsEveryRowAsDuckDbDoes() throws Exception {
        for (PartRecord part : parts) {
            List<LogEvent> expected = duckDbRows(part);
            assertEquals(part.rowCount(), expected.size());
            int group = -1;
            PartRowGroup rows = null;
            for (int row = 0; row < expected.size(); row++) {
                int wanted = reader.rowGroupOf(part, row);
                if (wanted != group) {
                    group = wanted;
                    rows = reader.rowGroup(part, group);
                }
                assertEquals(expected.get(row), rows.event((int) (row - rows.firstRow())), "row " + row + " of " + part.name());
            }
            assertTrue(group > 0 || part.rowCount() <= PartSchema.ROW_GROUP_SIZE, "parts span several row groups");
        }
    }

    /**
     * One row read from a fresh row group, the pages before it skipped (as a postings hit is
     * read), and then an earlier row of the same group (which decodes those pages after all): both
     * as DuckDB reads them. The big part's message chunks span several pages.
     */
    @Test
    void singleRowsReadFromTheirPagesAlone() throws Exception {
        PartRecord part = parts.getFirst();
        List<LogEvent> expected = duckDbRows(part);
        Random random = new Random(3);
        for (int i = 0; i < 300; i++) {
            int row = random.nextInt(expected.size());
            PartRowGroup rows = reader.rowGroup(part, reader.rowGroupOf(part, row));
            int inGroup = (int) (row - rows.firstRow());
            rows.readRowsBetween(inGroup, inGroup);
            assertEquals(expected.get(row), rows.event(inGroup), "row " + row + " alone");
            int earlier = random.nextInt(inGroup + 1);
            assertEquals(expected.get((int) rows.firstRow() + earlier), rows.event(earlier), "then row " + earlier);
            rows.release();
            PartRowGroup pair = reader.rowGroup(part, reader.rowGroupOf(part, row));
            pair.readRowsBetween(earlier, inGroup);
            assertEquals(expected.get(row), pair.event(inGroup), "row " + row + " of a pair");
            assertEquals(expected.get((int) pair.firstRow() + earlier), pair.event(earlier), "row " + earlier + " of a pair");
            pair.release();
        }
    }

    @Test
    void textFilterNeverRejectsARowWithTheToken() throws Exception {
        PartRecord part = parts.getFirst();
        int rejected = 0;
        for (int group = 0; group <= reader.rowGroupOf(part, part.rowCount() - 1); group++) {
            PartRowGroup rows = reader.rowGroup(part, group);
            java.util.Map<String, java.util.BitSet> candidates = new java.util.HashMap<>();
            for (String token : List.of("timeout", "order", "kelvin", "quokka", "api", "line")) {
                candidates.put(token, rows.textCandidates(new byte[][] {token.getBytes(StandardCharsets.US_ASCII)}));
            }
            java.util.BitSet both = (java.util.BitSet) candidates.get("timeout").clone();
            both.and(candidates.get("line"));
            assertEquals(both, rows.textCandidates(new byte[][] {"timeout".getBytes(StandardCharsets.US_ASCII),
                    "line".getBytes(StandardCharsets.US_ASCII)}), "several words: rows that may hold each");
            for (int row = 0; row < rows.rows(); row++) {
                LogEvent event = rows.event(row);
                String text = (event.message() + "\n" + event.source() + "\n" + event.stack());
                boolean ascii = text.chars().allMatch(c -> c < 0x80);
                for (String token : List.of("timeout", "order", "kelvin", "quokka", "api", "line")) {
                    boolean has = Tokenizer.containsToken(event.message(), token)
                            || (event.source() != null && Tokenizer.containsToken(event.source(), token))
                            || (event.stack() != null && Tokenizer.containsToken(event.stack(), token));
                    boolean may = candidates.get(token).get(row);
                    assertTrue(may || !has, "row " + row + " has " + token + " but the filter rejects it: " + event);
                    // On ASCII text the filter is exactly "contains, ignoring case"; other text always passes.
                    assertEquals(!ascii || text.toLowerCase(java.util.Locale.ROOT).contains(token), may, token + " in " + event);
                    rejected += may ? 0 : 1;
                }
            }
        }
        assertTrue(rejected > 10_000, "the filter rejects rows without the token: " + rejected);
    }

    @Test
    void aDamagedFileIsAnErrorNotAWrongRow() throws Exception {
        PartRecord part = parts.get(1);
        Path copy = local.dataDir.resolve("damaged.parquet");
        byte[] bytes = Files.readAllBytes(local.partFiles.path(part));
        for (int i = 4; i < bytes.length / 2; i += 97) {
            bytes[i] ^= 0x5A;
        }
        Files.write(copy, bytes, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        ParquetFooter footer = ParquetFooter.read(copy);
        ParquetFooter.RowGroup group = footer.rowGroups().getFirst();
        long start = group.chunks().stream().mapToLong(ParquetFooter.Chunk::offset).min().orElseThrow();
        long end = group.chunks().stream().mapToLong(c -> c.offset() + c.length()).max().orElseThrow();
        byte[] groupBytes = java.util.Arrays.copyOfRange(bytes, (int) start, (int) end);
        PartRowGroup rows = new PartRowGroup(footer, group, groupBytes, start);
        assertThrows(java.io.IOException.class, () -> rows.event(0));
        assertFalse(footer.rowGroups().isEmpty());
    }
}
