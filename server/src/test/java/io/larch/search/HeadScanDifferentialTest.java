package io.larch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.part.TokenBloom;
import io.larch.query.EventMatcher;
import io.larch.query.Query;
import io.larch.query.QueryParser;
import io.larch.storage.HeadIndexMemory;
import io.larch.storage.HeadSegment;
import io.larch.storage.StoreSnapshot;
import io.larch.testing.RandomCorpus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The indexed head answers as a scan of its events does: the same random queries over the same
 * random events give the same matches as queries build the token filters, with every full block
 * filtered, and with the postings dropped for want of memory; and a floor (the page's oldest
 * event) never loses a match at or above it.
 */
class HeadScanDifferentialTest {
    private static final int EVENTS = 12_000;

    @Test
    void everyIndexStateGivesTheScansMatches() {
        RandomCorpus corpus = new RandomCorpus(20261203);
        Random random = new Random(7);
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            LogEvent event = corpus.event(i, i % 4 == 3 ? Kind.WORK : Kind.APP);
            // Half the events arrive in time order (blocks then span distinct times, so floors skip
            // them), half at random times within the corpus's span.
            long ts = i < EVENTS / 2 ? RandomCorpus.FIRST_TS + i * 4L : event.ts();
            events.add(withTs(event, ts));
        }
        Map<String, Query> queries = queries(corpus);

        HeadIndexMemory roomy = HeadIndexMemory.unbounded();
        List<HeadSegment> indexed = segments(events, roomy, random);
        StoreSnapshot snapshot = new StoreSnapshot(List.of(), indexed, List.of());
        assertSameMatches("as queries build the filters", snapshot, events, queries);
        indexed.forEach(segment -> segment.indexFullBlocks(() -> { }));
        assertSameMatches("with every full block filtered", snapshot, events, queries);
        assertFloorsKeepMatches(snapshot, events, queries, random);

        HeadIndexMemory none = new HeadIndexMemory(0);
        List<HeadSegment> withoutPostings = segments(events, none, random);
        withoutPostings.forEach(segment -> segment.indexFullBlocks(() -> { }));
        assertNull(withoutPostings.getFirst().view().postings(TokenBloom.fieldHash("user_id", "u1")),
                "no memory for postings: dropped");
        assertSameMatches("without postings", new StoreSnapshot(List.of(), withoutPostings, List.of()), events, queries);
    }

    @Test
    void indexMemoryStaysWithinItsLimitAndIsGivenBackOnSeal() {
        RandomCorpus corpus = new RandomCorpus(5);
        HeadIndexMemory memory = new HeadIndexMemory(64 * 1024);
        HeadSegment segment = new HeadSegment(1, Kind.APP, memory);
        for (int i = 0; i < 20_000; i += 100) {
            List<LogEvent> batch = new ArrayList<>();
            for (int j = i; j < i + 100; j++) {
                LogEvent event = corpus.event(j, Kind.APP);
                // A trace per event: the postings' worst case, one key per event.
                batch.add(new LogEvent(event.id(), event.ts(), event.receivedAt(), event.projectId(), event.kind(),
                        event.level(), event.message(), event.source(), event.stack(), event.fingerprint(),
                        event.userId(), event.conversationId(), event.buildId(), event.deploymentId(), "trace-" + j,
                        event.status(), event.attrs()));
            }
            segment.append(batch);
            assertTrue(memory.usedBytes() <= memory.limitBytes(), memory.usedBytes() + " bytes in postings");
        }
        assertNull(segment.view().postings(TokenBloom.fieldHash("trace_id", "trace-1")), "postings over the limit are dropped");
        segment.indexFullBlocks(() -> { });
        assertTrue(memory.usedBytes() > 0, "token filters are kept and counted");
        segment.release();
        assertEquals(0, memory.usedBytes(), "a sealed segment gives its index memory back");

        HeadSegment roomy = new HeadSegment(2, Kind.APP, HeadIndexMemory.unbounded());
        roomy.append(List.of(corpus.event(0, Kind.APP)));
        assertNotNull(roomy.view().postings(TokenBloom.fieldHash("user_id", "u1")));
    }

    /** Segments of random sizes holding {@code events} in order, appended in random batches. */
    private static List<HeadSegment> segments(List<LogEvent> events, HeadIndexMemory memory, Random random) {
        List<HeadSegment> segments = new ArrayList<>();
        Map<Kind, HeadSegment> open = new LinkedHashMap<>();
        int i = 0;
        long segmentId = 1;
        while (i < events.size()) {
            int batch = 1 + random.nextInt(random.nextBoolean() ? 5 : 600);
            List<LogEvent> slice = events.subList(i, Math.min(events.size(), i + batch));
            i += slice.size();
            for (Kind kind : List.of(Kind.APP, Kind.WORK)) {
                List<LogEvent> ofKind = slice.stream().filter(e -> e.kind() == kind).toList();
                if (ofKind.isEmpty()) {
                    continue;
                }
                HeadSegment segment = open.get(kind);
                if (segment == null || segment.size() > 3_000 + random.nextInt(2_000)) {
                    segment = new HeadSegment(segmentId++, kind, memory);
                    open.put(kind, segment);
                    segments.add(segment);
                }
                segment.append(ofKind);
            }
        }
        return segments;
    }

    private static void assertSameMatches(String stage, StoreSnapshot snapshot, List<LogEvent> events,
                                          Map<String, Query> queries) {
        queries.forEach((text, query) -> {
            Predicate<LogEvent> matcher = EventMatcher.compile(query);
            List<Long> expected = events.stream().filter(matcher).map(LogEvent::id).sorted().toList();
            List<Long> actual = new ArrayList<>();
            HeadScan.forEachMatch(snapshot, query, QueryBudget.unlimited(), event -> actual.add(event.id()));
            actual.sort(null);
            assertEquals(expected, actual, () -> stage + ": matches differ for " + text);
        });
    }

    /** With a floor, every match at or above it is still passed on (older ones may be left out). */
    private static void assertFloorsKeepMatches(StoreSnapshot snapshot, List<LogEvent> events,
                                                Map<String, Query> queries, Random random) {
        queries.forEach((text, query) -> {
            long floor = RandomCorpus.FIRST_TS + random.nextInt(EVENTS * 4);
            Predicate<LogEvent> matcher = EventMatcher.compile(query);
            List<Long> expected = events.stream().filter(matcher).filter(e -> e.ts() >= floor).map(LogEvent::id)
                    .sorted().toList();
            List<Long> actual = new ArrayList<>();
            HeadScan.forEachMatch(snapshot, query, QueryBudget.unlimited(), event -> {
                assertTrue(matcher.test(event), "only matches");
                if (event.ts() >= floor) {
                    actual.add(event.id());
                }
            }, () -> floor);
            actual.sort(null);
            assertEquals(expected, actual, () -> "floor " + floor + ": matches differ for " + text);
        });
    }

    private static Map<String, Query> queries(RandomCorpus corpus) {
        Map<String, Query> queries = new LinkedHashMap<>();
        for (String text : RandomCorpus.typedQueries()) {
            queries.put(text, QueryParser.parse(text));
        }
        for (String text : List.of("user:u1", "user:u1 conversation:c2", "trace:t0 level>=warn", "fingerprint:fp3 timeout",
                "source:api user:u2 -conversation:c1", "status:running OR user:u3", "user:nobody")) {
            queries.put(text, QueryParser.parse(text));
        }
        for (int i = 0; queries.size() < 250 && i < 10_000; i++) {
            Query query = corpus.query(0);
            queries.put(query.toString(), query);
        }
        return queries;
    }

    private static LogEvent withTs(LogEvent e, long ts) {
        return new LogEvent(e.id(), ts, e.receivedAt(), e.projectId(), e.kind(), e.level(), e.message(), e.source(),
                e.stack(), e.fingerprint(), e.userId(), e.conversationId(), e.buildId(), e.deploymentId(), e.traceId(),
                e.status(), e.attrs());
    }
}
