package io.larch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.part.PartRecord;
import io.larch.query.EventMatcher;
import io.larch.query.Query;
import io.larch.query.QueryParser;
import io.larch.testing.LocalStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The planner reads only what can match: parts by catalog stats, row groups by token blooms. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PruningTest {
    private static final long T0 = 1_795_000_000_000L;
    private LocalStore local;
    private final List<LogEvent> all = new ArrayList<>();
    private final List<PartRecord> parts = new ArrayList<>();

    private static LogEvent event(long id, long ts, String message, Level level) {
        return new LogEvent(id, ts, ts, 1, Kind.APP, level, message, "svc", null, "fp", null, null, null, null, null,
                null, Map.of());
    }

    /** Part p (0..4) has 20,000 events (3 row groups); "needle<p>" is only in its second row group. */
    @BeforeAll
    void sealParts(@TempDir Path dir) throws Exception {
        local = new LocalStore(dir);
        long id = 1;
        for (int p = 0; p < 5; p++) {
            List<LogEvent> events = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                String message = "ordinary line " + i + (i == 10_000 ? " needle" + p : "") + (p == 4 ? " onlyinfour" : "");
                events.add(event(id++, T0 + p * 100_000L + i, message, i % 100 == 0 ? Level.ERROR : Level.INFO));
            }
            all.addAll(events);
            parts.addAll(local.seal(Kind.APP, events));
        }
    }

    @AfterAll
    void close() {
        local.close();
    }

    private SearchPage search(String text, int limit) {
        return local.searcher.search(new SearchRequest(Query.and(List.of(new Query.ProjectIs(1), QueryParser.parse(text))), null, limit), QueryBudget.unlimited());
    }

    @Test
    void aPartWithoutTheWordIsNeverOpened() {
        SearchPage page = search("needle2", 100);
        assertEquals(1, page.events().size());
        assertEquals("ordinary line 10000 needle2", page.events().getFirst().message());
        assertEquals(1, page.partsRead());
        assertEquals(0, search("zanzibar", 100).partsRead());
        assertEquals(0, search("needle2 needle3", 100).partsRead(), "AND needs both words in one row group");
        assertEquals(2, search("needle2 OR needle3", 100).partsRead());
        assertEquals(1, search("onlyinfour line", 100).partsRead());
    }

    @Test
    void indexedFieldValuesPruneToo() {
        assertEquals(0, search("user:nobody", 100).partsRead());
        assertEquals(10, search("source:svc", 10).events().size(), "every part has the source");
        assertEquals(0, search("fingerprint:other", 100).partsRead());
        assertEquals(0, search("source:SVC", 100).partsRead(), "exact and case-sensitive, like the match itself");
    }

    @Test
    void onlyTheRowGroupsThatMayMatchAreRead() {
        List<PartScan> scans = Planner.plan(local.store.snapshot().parts(),
                Query.and(List.of(new Query.ProjectIs(1), new Query.Word("needle1"))), local.blooms);
        assertEquals(1, scans.size());
        assertEquals(parts.get(1).name(), scans.getFirst().part().name());
        assertEquals(1, scans.getFirst().rowRanges().size());
        assertEquals(8192, scans.getFirst().rowRanges().getFirst()[0]);
        assertEquals(16383, scans.getFirst().rowRanges().getFirst()[1]);
    }

    @Test
    void queriesWithoutWordsReadWholePartsAndStillStopEarly() {
        SearchPage latest = search("", 10);
        assertEquals(1, latest.partsRead(), "the newest part fills the page");
        assertEquals(T0 + 4 * 100_000L + 19_999, latest.events().getFirst().ts());
        SearchPage prefix = search("needl*", 100);
        assertEquals(5, prefix.events().size());
        assertEquals(5, prefix.partsRead(), "a prefix cannot use the blooms");
    }

    @Test
    void prunedSearchesReturnExactlyWhatTheMatcherSelects() {
        for (String text : List.of("needle0", "needle4 OR needle1", "line -needle3", "\"line 10000\"", "ordinary (needle2 OR level:error)",
                "level:error needle1", "onlyinfour", "-onlyinfour needle4")) {
            Query query = Query.and(List.of(new Query.ProjectIs(1), QueryParser.parse(text)));
            Predicate<LogEvent> matcher = EventMatcher.compile(query);
            List<LogEvent> expected = all.stream().filter(matcher).sorted(LogEvent::compareNewestFirst).limit(1000).toList();
            List<LogEvent> actual = local.searcher.search(new SearchRequest(query, null, 1000), QueryBudget.unlimited()).events();
            assertEquals(expected, actual, text);
            assertTrue(local.aggregator.stats(query, QueryBudget.unlimited()).total() == all.stream().filter(matcher).count(), text);
        }
    }
}
