package io.larch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartRecord;
import io.larch.part.PartSchema;
import io.larch.query.EventMatcher;
import io.larch.query.Query;
import io.larch.query.QueryParser;
import io.larch.testing.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rare-word searches read their few row groups in Java ({@link PointSearch}); they must return
 * exactly what the matcher selects, page by page, including words that only Unicode lowercasing
 * reveals, and exact values of a field ({@code user:}), and fall back to DuckDB for a part the
 * Java reader cannot decode.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PointSearchTest {
    private static final long T0 = 1_795_000_000_000L;
    private static final List<String> QUERIES = List.of("quokka", "quokka level:error", "\"saw quokka\"", "quokka -saw",
            "quokka source:svc-1", "quokka (saw OR took)", "quokka attrs.i>5000", "quokka wombat", "user:u7",
            "user:u7 level:error", "user:u7 -quokka", "source:svc-1 user:u8", "user:nobody");
    private LocalStore local;
    private final List<LogEvent> all = new ArrayList<>();
    private final List<PartRecord> parts = new ArrayList<>();

    /**
     * Four parts of 20,000 events; "quokka" in a few rows of each, once spelt with a Kelvin sign;
     * every third event has one of 37 users.
     */
    @BeforeAll
    void sealParts(@TempDir Path dir) throws Exception {
        local = new LocalStore(dir);
        long id = 1;
        for (int p = 0; p < 4; p++) {
            List<LogEvent> events = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                String message = "request " + i + " took " + (i % 997) + "ms";
                if (i % 4_999 == 17) {
                    message = (i % 2 == 0 ? "saw quokka at " : "QUOKKA took ") + i;
                }
                if (p == 2 && i == 12_345) {
                    message = "saw QUO\u212AKA wombat";
                }
                long ts = T0 + p * 50_000L + i;
                events.add(new LogEvent(id++, ts, ts, 1, Kind.APP, i % 3 == 0 ? Level.ERROR : Level.INFO, message,
                        "svc-" + (i % 2), null, "fp", i % 3 == 0 ? "u" + (i % 37) : null, null, null, null, null, null,
                        Map.of("i", Integer.toString(i))));
            }
            all.addAll(events);
            parts.addAll(local.seal(Kind.APP, events));
        }
    }

    @AfterAll
    void close() {
        local.close();
    }

    @Test
    void rareWordsAreReadInJavaAndMatchTheMatcherPageByPage() {
        long before = local.searcher.pointReadRowGroups();
        assertEveryQueryPagesExactly();
        assertTrue(local.searcher.pointReadRowGroups() > before, "the rare-word searches used the Java reader");
    }

    @Test
    void aPartTheJavaReaderCannotDecodeIsReadThroughDuckDb() throws Exception {
        // Snappy is a codec the Java reader does not decode; DuckDB reads it.
        PartRecord part = parts.get(1);
        Path file = local.partFiles.path(part);
        Path rewritten = file.resolveSibling("snappy.tmp");
        try (Connection connection = local.duckDb.connect(); Statement statement = connection.createStatement()) {
            statement.execute("COPY (SELECT * FROM read_parquet(" + DuckDbEngine.quotePath(file) + ")) TO "
                    + DuckDbEngine.quotePath(rewritten) + " (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE "
                    + PartSchema.ROW_GROUP_SIZE + ")");
        }
        Files.move(rewritten, file, StandardCopyOption.REPLACE_EXISTING);
        local = local.acceptRewrittenFiles(part);
        assertEveryQueryPagesExactly();
    }

    @Test
    void aCommonWordInTheNewestRowGroupsPagesNewestFirst() {
        for (String text : List.of("request", "took -quokka", "request level:error")) {
            Query query = Query.and(List.of(new Query.ProjectIs(1), QueryParser.parse(text)));
            Predicate<LogEvent> matcher = EventMatcher.compile(query);
            List<LogEvent> expected = all.stream().filter(matcher).sorted(LogEvent::compareNewestFirst).limit(40).toList();
            List<LogEvent> actual = new ArrayList<>();
            Cursor cursor = null;
            while (actual.size() < 40) {
                SearchPage page = local.searcher.search(new SearchRequest(query, cursor, 8), QueryBudget.unlimited());
                actual.addAll(page.events());
                cursor = page.next();
            }
            assertEquals(expected, actual, text);
        }
    }

    private void assertEveryQueryPagesExactly() {
        for (String text : QUERIES) {
            Query query = Query.and(List.of(new Query.ProjectIs(1), QueryParser.parse(text)));
            Predicate<LogEvent> matcher = EventMatcher.compile(query);
            List<LogEvent> expected = all.stream().filter(matcher).sorted(LogEvent::compareNewestFirst).toList();
            assertTrue(!expected.isEmpty() || text.contains("wombat") || text.contains("nobody"), text);
            List<LogEvent> actual = new ArrayList<>();
            Cursor cursor = null;
            do {
                // Small pages for the rare words, so that paging crosses parts; larger for users' hundreds of events.
                int limit = expected.size() > 30 ? 100 : 3;
                SearchPage page = local.searcher.search(new SearchRequest(query, cursor, limit), QueryBudget.unlimited());
                actual.addAll(page.events());
                cursor = page.next();
            } while (cursor != null);
            assertEquals(expected, actual, text);
        }
        Query kelvin = Query.and(List.of(new Query.ProjectIs(1), QueryParser.parse("quokka wombat")));
        assertEquals(1, local.searcher.search(new SearchRequest(kelvin, null, 10), QueryBudget.unlimited()).events().size(),
                "Unicode lowercasing makes QUO\u212AKA the token quokka");
    }
}
