package io.larch.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.datadir.FileNames;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.part.PartRecord;
import io.larch.part.PartState;
import io.larch.query.Query;
import io.larch.query.QueryParser;
import io.larch.search.Cursor;
import io.larch.search.QueryBudget;
import io.larch.search.SearchPage;
import io.larch.search.SearchRequest;
import io.larch.testing.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompactorTest {
    private static final long T0 = 1_795_000_000_000L;
    private static final Query ALL = new Query.ProjectIs(1);

    @TempDir
    Path dataDir;

    private static LogEvent event(long id, long ts, String message) {
        return new LogEvent(id, ts, ts, 1, Kind.APP, id % 10 == 0 ? Level.ERROR : Level.INFO, message, "svc", null,
                "fp", null, null, null, null, null, null, Map.of());
    }

    /** {@code parts} parts of {@code rows} events; timestamps interleave across parts. */
    private static List<List<LogEvent>> interleaved(int parts, int rows) {
        List<List<LogEvent>> batches = new ArrayList<>();
        long id = 1;
        for (int p = 0; p < parts; p++) {
            List<LogEvent> batch = new ArrayList<>();
            for (int i = 0; i < rows; i++) {
                batch.add(event(id++, T0 + (long) i * parts + p, "row " + i + " of part " + p + (i == rows / 2 ? " needle" + p : "")));
            }
            batches.add(batch);
        }
        return batches;
    }

    private static List<LogEvent> everything(LocalStore local) {
        List<LogEvent> events = new ArrayList<>();
        Cursor cursor = null;
        while (true) {
            SearchPage page = local.searcher.search(new SearchRequest(ALL, cursor, 1000), QueryBudget.unlimited());
            events.addAll(page.events());
            if (page.next() == null) {
                return events;
            }
            cursor = page.next();
        }
    }

    private List<String> partFiles() throws Exception {
        try (Stream<Path> files = Files.walk(dataDir.resolve(FileNames.PARTS_DIR))) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void mergesSmallPartsIntoOnePartWithWorkingBlooms() throws Exception {
        try (LocalStore local = new LocalStore(dataDir)) {
            for (List<LogEvent> batch : interleaved(6, 10_000)) {
                local.seal(Kind.APP, batch);
            }
            List<LogEvent> before = everything(local);
            assertEquals(1, local.compactor.compactNow());
            List<PartRecord> parts = local.store.snapshot().parts();
            assertEquals(1, parts.size());
            PartRecord merged = parts.getFirst();
            assertEquals(60_000, merged.rowCount());
            assertEquals(T0, merged.minTs());
            assertEquals(before, everything(local));
            for (int p = 0; p < 6; p++) {
                SearchPage needle = local.searcher.search(new SearchRequest(Query.and(List.of(ALL,
                        QueryParser.parse("needle" + p))), null, 10), QueryBudget.unlimited());
                assertEquals(List.of("row 5000 of part " + p + " needle" + p),
                        needle.events().stream().map(LogEvent::message).toList(), "the inputs' blooms, renumbered, still find it");
            }
            assertEquals(6_000, local.aggregator.stats(QueryParser.parse("level:error"), QueryBudget.unlimited()).total());

            assertEquals(7 * 4, partFiles().size(), "inputs stay until the grace period has passed");
            assertEquals(0, local.compactor.sweepRetired(Duration.ofMinutes(5)));
            assertEquals(6, local.compactor.sweepRetired(Duration.ZERO));
            assertEquals(List.of(merged.name() + ".bloom", merged.name() + ".parquet", merged.name() + ".postings",
                    merged.name() + ".rollup.parquet"), partFiles());
            assertEquals(0, local.compactor.compactNow(), "a merged part is not small any more");
        }
    }

    @Test
    void groupsByProjectKindSizeAndTimeSpan() throws Exception {
        Compactor.Policy policy = new Compactor.Policy(100, 1000, Duration.ofSeconds(1), Duration.ZERO);
        try (LocalStore local = new LocalStore(dataDir, policy, Compactor.Hooks.NONE)) {
            List<PartRecord> parts = List.of(
                    part(1, 1, Kind.APP, 0, 10, 20), part(2, 1, Kind.APP, 11, 20, 20), part(3, 1, Kind.APP, 21, 30, 20),
                    part(4, 1, Kind.APP, 31, 40, 49), part(5, 1, Kind.APP, 41, 50, 50), part(6, 1, Kind.WORK, 0, 10, 10),
                    part(7, 2, Kind.APP, 0, 10, 10), part(8, 2, Kind.APP, 5000, 5010, 10), part(9, 1, Kind.WORK, 5, 8, 10));
            assertEquals(List.of(List.of(1L, 2L, 3L), List.of(6L, 9L)),
                    local.compactor.groups(parts).stream().map(g -> g.stream().map(PartRecord::id).toList()).toList());
        }
    }

    private static PartRecord part(long id, long project, Kind kind, long minTs, long maxTs, long rows) {
        return new PartRecord(id, "p" + id, project, kind, PartState.PUBLISHED, 0, minTs, maxTs, id, rows, 1, 4, 0, PartRecord.NO_CHECKSUM,
                PartRecord.NO_CHECKSUM);
    }

    @Test
    void queriesDuringCompactionSeeNoDuplicatesAndNoGaps() throws Exception {
        Compactor.Policy small = new Compactor.Policy(800, Duration.ofDays(1).toMillis(), Duration.ofHours(1), Duration.ofMinutes(5));
        try (LocalStore local = new LocalStore(dataDir, small, Compactor.Hooks.NONE)) {
            List<List<LogEvent>> batches = interleaved(30, 100);
            for (List<LogEvent> batch : batches) {
                local.seal(Kind.APP, batch);
            }
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int[] queries = new int[1];
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    while (!done.get()) {
                        List<LogEvent> seen = everything(local);
                        Set<Long> ids = new HashSet<>();
                        seen.forEach(e -> ids.add(e.id()));
                        assertEquals(3000, seen.size(), "every event once");
                        assertEquals(3000, ids.size(), "no duplicates");
                        assertEquals(3000, local.aggregator.stats(ALL, QueryBudget.unlimited()).total());
                        queries[0]++;
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            int merges = 0;
            for (int round = 0; round < 3; round++) {
                merges += local.compactor.compactNow();
            }
            Thread.sleep(100);
            done.set(true);
            reader.join();
            if (failure.get() != null) {
                throw new AssertionError("a query during compaction went wrong", failure.get());
            }
            assertEquals(4, merges, "30 parts of 100 rows become 3 parts of 800 and 1 of 600");
            assertEquals(4, local.store.snapshot().parts().size());
            assertTrue(queries[0] > 0);
        }
    }

    @Test
    void aCrashBeforePublishingLeavesTheInputsAndRemovesTheMergedFiles() throws Exception {
        Compactor.Hooks crash = new Compactor.Hooks() {
            @Override
            public void afterFilesInstalled(PartRecord merged) {
                throw new IllegalStateException("crash after the merged files are in place");
            }
        };
        List<String> filesBefore;
        try (LocalStore local = new LocalStore(dataDir, Compactor.Policy.defaults(), crash)) {
            for (List<LogEvent> batch : interleaved(3, 1000)) {
                local.seal(Kind.APP, batch);
            }
            filesBefore = partFiles();
            assertThrows(IllegalStateException.class, local.compactor::compactNow);
            assertEquals(filesBefore.size() + 4, partFiles().size(), "the merged part, its blooms, postings and rollup are on disk");
        }
        try (LocalStore restarted = new LocalStore(dataDir)) {
            assertEquals(filesBefore, partFiles(), "start-up removed the unpublished merge");
            assertEquals(3, restarted.store.snapshot().parts().size());
            assertEquals(3000, everything(restarted).size());
        }
    }

    @Test
    void aCrashAfterPublishingDeletesTheReplacedFilesAtStart() throws Exception {
        String mergedName;
        try (LocalStore local = new LocalStore(dataDir)) {
            for (List<LogEvent> batch : interleaved(3, 1000)) {
                local.seal(Kind.APP, batch);
            }
            local.compactor.compactNow();
            mergedName = local.store.snapshot().parts().getFirst().name();
            assertEquals(4 * 4, partFiles().size(), "inputs still on disk within the grace period");
        }
        try (LocalStore restarted = new LocalStore(dataDir)) {
            assertEquals(List.of(mergedName + ".bloom", mergedName + ".parquet", mergedName + ".postings",
                    mergedName + ".rollup.parquet"), partFiles());
            assertEquals(3000, everything(restarted).size());
            assertFalse(restarted.parts.listPublished().isEmpty());
            assertTrue(restarted.parts.listRetired(0, Long.MAX_VALUE).isEmpty());
        }
    }
}
