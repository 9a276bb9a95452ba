package io.larch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.query.EventMatcher;
import io.larch.query.Query;
import io.larch.query.QueryParser;
import io.larch.lifecycle.Maintenance;
import io.larch.lifecycle.RetentionPolicies;
import io.larch.lifecycle.SharedCatalog;
import io.larch.meta.AuditRepository;
import io.larch.meta.MaintenanceRunRepository;
import io.larch.meta.ProjectRepository;
import io.larch.meta.ProjectSettingRepository;
import io.larch.objectstore.LocalDirObjectStore;
import io.larch.objectstore.ObjectStore;
import io.larch.part.PartRecord;
import io.larch.testing.LocalStore;
import io.larch.testing.RandomCorpus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One meaning through the whole search path: the same random queries over the same random events
 * give the same pages and cursors while the events are in the head, after they are sealed into
 * parts (planner, token blooms, postings, point reads in Java, DuckDB), after the parts are
 * compacted, after a restart and read back from the archive, and those pages are the ones {@link EventMatcher} picks from the
 * events, newest first; so do the pages of events stored after a given id.
 */
class SearchPathDifferentialTest {
    private static final int EVENTS = 20_000;
    private static final int EVENTS_PER_SEGMENT = 4_000;
    private static final int MAX_PAGES = 3;

    @TempDir
    Path dir;

    @Test
    void headSealedAndCompactedPartsAnswerEveryPageAlike() throws Exception {
        RandomCorpus corpus = new RandomCorpus(20261202);
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            events.add(corpus.event(i, i % 5 == 4 ? Kind.WORK : Kind.APP));
        }
        Map<String, Query> queries = new LinkedHashMap<>();
        for (String text : RandomCorpus.typedQueries()) {
            queries.put(text, QueryParser.parse(text));
        }
        for (int i = 0; queries.size() < 150 && i < 10_000; i++) {
            Query query = corpus.query(0);
            queries.put(query.toString(), query);
        }
        Map<String, Integer> limits = new LinkedHashMap<>();
        queries.keySet().forEach(key -> limits.put(key, 1 + corpus.nextInt(100)));

        Map<String, List<Page>> expected = new LinkedHashMap<>();
        try (LocalStore local = new LocalStore(dir)) {
            for (Kind kind : List.of(Kind.APP, Kind.WORK)) {
                List<LogEvent> ofKind = events.stream().filter(e -> e.kind() == kind).toList();
                for (int from = 0; from < ofKind.size(); from += EVENTS_PER_SEGMENT) {
                    local.addToHead(kind, ofKind.subList(from, Math.min(ofKind.size(), from + EVENTS_PER_SEGMENT)));
                }
            }
            queries.forEach((key, query) -> expected.put(key, expectedPages(events, query, limits.get(key))));
            int nonTrivial = (int) expected.values().stream()
                    .filter(pages -> !pages.isEmpty() && pages.getFirst().ids().size() > 0).count();
            assertTrue(nonTrivial > 90, "too few queries match anything: " + nonTrivial);

            assertSamePages("in the head", local, queries, limits, expected);
            local.sealHead();
            assertEquals(0, local.store.headEventCount());
            int sealedParts = local.store.snapshot().parts().size();
            assertSamePages("after sealing into " + sealedParts + " parts", local, queries, limits, expected);
            assertTrue(local.compactor.compactNow() > 0, "compaction merged parts");
            int compactedParts = local.store.snapshot().parts().size();
            assertTrue(compactedParts < sealedParts, compactedParts + " parts after compaction");
            assertSamePages("after compaction into " + compactedParts + " parts", local, queries, limits, expected);
            assertTrue(local.searcher.pointReadRowGroups() > 0, "some pages came from point reads");
        }
        try (LocalStore restarted = new LocalStore(dir)) {
            assertSamePages("after a restart", restarted, queries, limits, expected);
            try (Maintenance maintenance = archiving(restarted, new LocalDirObjectStore(dir.resolve("archive")))) {
                restarted.clock.advance(Duration.ofDays(40));
                maintenance.run("test");
                restarted.clock.advance(Duration.ofDays(4));
                maintenance.run("test");
                restarted.clock.advance(Duration.ofMinutes(10));
                assertEquals("ok", maintenance.run("test").outcome());
                assertTrue(restarted.store.snapshot().parts().stream().allMatch(PartRecord::isArchiveOnly),
                        "every part lives only in the archive now");
                assertSamePages("from the archive", restarted, queries, limits, expected);
                assertEquals(restarted.store.snapshot().parts().size(),
                        ((Number) maintenance.cacheStats().orElseThrow().get("downloads")).intValue(),
                        "each archived part was downloaded once, then read from the cache");
            }
        }
        // [several nodes] another node on the same catalog and archive reads node 0's parts from the archive
        try (LocalStore other = LocalStore.sharing(dir.resolve("node-1"), 1, "jdbc:sqlite:" + dir.resolve("larch.db"));
             Maintenance maintenance = archiving(other, new LocalDirObjectStore(dir.resolve("archive")))) {
            assertEquals(0, other.store.snapshot().parts().size(), "a shared node starts with its own parts only");
            SharedCatalog.Refresh refresh = maintenance.sharedCatalog().orElseThrow().refresh();
            assertTrue(refresh.adopted() > 0 && refresh.pending() == 0, refresh.toString());
            assertSamePages("on another node, from the shared archive", other, queries, limits, expected);
        }
    }

    /** Maintenance that archives to {@code archive} and reads archive-only parts through its cache. */
    private static Maintenance archiving(LocalStore store, ObjectStore archive) {
        RetentionPolicies policies = new RetentionPolicies(store.database, new ProjectSettingRepository(store.database),
                new ProjectRepository(store.database), new AuditRepository(store.database), store.clock);
        Maintenance maintenance = new Maintenance(() -> { }, store.engine, store.parts, Optional.of(archive), policies,
                new MaintenanceRunRepository(store.database), store.store.nodeId(), store.clock,
                new Maintenance.Options(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofDays(3),
                        Duration.ofMinutes(5), 1L << 30));
        store.engine.integrity().useColdParts(maintenance.coldParts());
        return maintenance;
    }

    @Test
    void pagesAfterAnIdAreTheMatchesStoredSinceInHeadAndParts() throws Exception {
        RandomCorpus corpus = new RandomCorpus(20261204);
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < 8_000; i++) {
            events.add(corpus.event(i, Kind.APP));
        }
        Map<String, Query> queries = new LinkedHashMap<>();
        for (String text : List.of("user:u1", "user:u1 conversation:c2", "timeout", "level>=warn", "trace:t1 -status:done")) {
            queries.put(text, QueryParser.parse(text));
        }
        for (int i = 0; queries.size() < 40; i++) {
            Query query = corpus.query(0);
            queries.put(query.toString(), query);
        }
        try (LocalStore local = new LocalStore(dir)) {
            local.seal(Kind.APP, events.subList(0, 5_000));
            local.addToHead(Kind.APP, events.subList(5_000, events.size()));
            for (Map.Entry<String, Query> entry : queries.entrySet()) {
                Predicate<LogEvent> matcher = EventMatcher.compile(entry.getValue());
                for (long after : new long[] {0, RandomCorpus.FIRST_ID + 4_990, RandomCorpus.FIRST_ID + 7_000}) {
                    int limit = 1 + corpus.nextInt(60);
                    List<Long> expected = events.stream().filter(matcher).map(LogEvent::id).filter(id -> id > after)
                            .sorted().limit(limit).toList();
                    Searcher.AfterPage page = local.searcher.after(entry.getValue(), after, limit, QueryBudget.unlimited());
                    assertEquals(expected, page.events().stream().map(LogEvent::id).toList(),
                            () -> "after " + after + ": " + entry.getKey());
                    long all = events.stream().filter(matcher).filter(e -> e.id() > after).count();
                    assertEquals(all > limit, page.more(), () -> "more, after " + after + ": " + entry.getKey());
                }
            }
        }
    }

    /** One page as a client sees it: the ids in order and the cursor to the next. */
    private record Page(List<Long> ids, String next) {
    }

    private static void assertSamePages(String stage, LocalStore local, Map<String, Query> queries,
                                        Map<String, Integer> limits, Map<String, List<Page>> expected) {
        queries.forEach((key, query) -> assertEquals(expected.get(key), searchPages(local, query, limits.get(key)),
                () -> stage + ": pages differ for " + key + " (limit " + limits.get(key) + ")"));
    }

    private static List<Page> searchPages(LocalStore local, Query query, int limit) {
        List<Page> pages = new ArrayList<>();
        Cursor cursor = null;
        do {
            SearchPage page = local.searcher.search(new SearchRequest(query, cursor, limit), QueryBudget.unlimited());
            cursor = page.next();
            pages.add(new Page(page.events().stream().map(LogEvent::id).toList(),
                    cursor == null ? null : cursor.encode()));
        } while (cursor != null && pages.size() < MAX_PAGES);
        return pages;
    }

    /** The pages {@link EventMatcher} picks: matches newest first, cut at {@code limit}. */
    private static List<Page> expectedPages(List<LogEvent> events, Query query, int limit) {
        Predicate<LogEvent> matcher = EventMatcher.compile(query);
        List<LogEvent> matches = events.stream().filter(matcher).sorted(LogEvent::compareNewestFirst).toList();
        List<Page> pages = new ArrayList<>();
        int from = 0;
        do {
            List<LogEvent> page = matches.subList(from, Math.min(matches.size(), from + limit));
            from += page.size();
            String next = from < matches.size() ? new Cursor(page.getLast().ts(), page.getLast().id()).encode() : null;
            pages.add(new Page(page.stream().map(LogEvent::id).toList(), next));
        } while (from < matches.size() && pages.size() < MAX_PAGES);
        return pages;
    }
}
