package io.larch.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.datadir.FileNames;
import io.larch.meta.AuditEntry;
import io.larch.meta.AuditRepository;
import io.larch.meta.EraseRequest;
import io.larch.meta.ProjectRepository;
import io.larch.model.LogEvent;
import io.larch.part.PartRecord;
import io.larch.query.Query;
import io.larch.query.QueryParser;
import io.larch.search.QueryBudget;
import io.larch.search.SearchRequest;
import io.larch.testing.Events;
import io.larch.testing.LocalStore;
import io.larch.model.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The eraser on real parts (SQLite, DuckDB, files in a temp dir): user A leaves project 1's
 * sealed and compacted parts, B and project 2 stay exactly, and a crash at each step of a part's
 * rewrite converges to the same end at the next start, nothing lost or doubled.
 */
class EraserTest {
    private static final long T0 = 1_795_000_000_000L;
    /** A's events in project 1 (of 650 there), all of whose parts hold some. */
    private static final int A_IN_PROJECT_1 = 350;

    @TempDir
    Path dataDir;

    /** Thrown by a hook to stop the work as a crash would: not an Exception, so nothing records it failed. */
    private static final class Crash extends Error {
    }

    /** {@code count} events from {@code firstId}, alternating B and A (A on odd ids), or all A. */
    private static List<LogEvent> batch(long firstId, int count, long projectId, boolean onlyA) {
        List<LogEvent> events = new ArrayList<>();
        for (long id = firstId; id < firstId + count; id++) {
            boolean isA = onlyA || id % 2 == 1;
            events.add(Events.ofUser(id, T0 + id, projectId, isA ? "A" : "B", (isA ? "zebra " : "plain ") + id));
        }
        return events;
    }

    /** Project 1: two parts compacted into one, a third part, a part of A alone; project 2: one part. */
    private static void load(LocalStore local) throws Exception {
        local.database.transaction(c -> {
            ProjectRepository projects = new ProjectRepository(local.database);
            projects.insertIfAbsent(c, "shop", "Shop", T0);
            projects.insertIfAbsent(c, "other", "Other", T0);
            return null;
        });
        local.seal(Kind.APP, batch(1, 200, 1, false));
        local.seal(Kind.APP, batch(201, 200, 1, false));
        assertEquals(1, local.compactor.compactNow());
        local.seal(Kind.APP, batch(401, 200, 1, false));
        local.seal(Kind.APP, batch(601, 50, 1, true));
        local.seal(Kind.APP, batch(1001, 100, 2, false));
    }

    private static Eraser eraser(LocalStore local, Eraser.Hooks hooks, List<Eraser.ErasedUser> told) {
        return new Eraser(Eraser.Dependencies.of(local.engine, local.database, local.parts,
                new AuditRepository(local.database), () -> { }, local.partFiles::path, told::add, 0, Clock.systemUTC(), hooks));
    }

    private static List<LogEvent> search(LocalStore local, long projectId, String text) {
        return local.searcher.search(new SearchRequest(Query.and(List.of(new Query.ProjectIs(projectId),
                QueryParser.parse(text))), null, 1000), QueryBudget.unlimited()).events();
    }

    private List<String> partFileNames() throws Exception {
        try (Stream<Path> files = Files.walk(dataDir.resolve(FileNames.PARTS_DIR))) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /** What must hold once the request is done, whatever happened on the way. */
    private void assertErased(LocalStore local, long requestId) throws Exception {
        EraseRequest request = new io.larch.meta.EraseRepository(local.database).find(requestId).orElseThrow();
        assertEquals(EraseRequest.Status.DONE, request.status(), String.valueOf(request.error()));
        assertEquals(A_IN_PROJECT_1, request.eventsRemoved(), "counted with each swap: exact across a crash");
        assertEquals(3, request.partsRewritten());
        assertTrue(request.bytesAfter() < request.bytesBefore());
        assertEquals(List.of(), search(local, 1, "user:A"));
        assertEquals(List.of(), search(local, 1, "zebra"));
        List<LogEvent> b = search(local, 1, "user:B");
        assertEquals(300, b.size());
        assertEquals(300, new HashSet<>(b.stream().map(LogEvent::id).toList()).size(), "nothing doubled");
        assertEquals(300, search(local, 1, "plain").size());
        assertEquals(50, search(local, 2, "user:A").size());
        assertEquals(50, search(local, 2, "user:B").size());
        assertEquals(300, local.aggregator.stats(new Query.ProjectIs(1), QueryBudget.unlimited()).total());
        List<PartRecord> parts = local.store.snapshot().parts();
        assertEquals(3, parts.size(), "project 1's A-only part is retired with no replacement");
        assertEquals(List.of(), local.parts.listRetired(0, Long.MAX_VALUE), "old parts are forgotten, not kept for a grace period");
        assertEquals(parts.size() * 4, partFileNames().size(), "only the published parts' files are left: " + partFileNames());
        assertEquals(List.of(), local.parts.listQuarantined());
    }

    @Test
    void erasesTheUsersRowsFromEveryPartOfTheProjectAndNothingElse() throws Exception {
        List<Eraser.ErasedUser> told = new ArrayList<>();
        try (LocalStore local = new LocalStore(dataDir)) {
            load(local);
            List<PartRecord> before = local.store.snapshot().parts();
            Eraser eraser = eraser(local, Eraser.Hooks.NONE, told);
            EraseRequest request = eraser.submit("admin", "127.0.0.1", "A", 1L);
            assertEquals(EraseRequest.Status.PENDING, request.status());
            eraser.runPending();
            assertErased(local, request.id());
            assertEquals(List.of(new Eraser.ErasedUser(request.id(), "A", 1L, List.of())), told, "no build lines were erased");
            assertEquals(3, eraser.find(request.id()).orElseThrow().partsChecked(), "project 1's parts");

            PartRecord replaced = before.getFirst();
            assertEquals(io.larch.storage.PartIntegrity.Check.DAMAGED, local.engine.integrity().recheck(replaced),
                    "a query on the older snapshot whose read failed skips the gone part");
            assertEquals(List.of(), local.store.snapshot().quarantined(), "and it is not mistaken for damage");
            List<String> actions = new AuditRepository(local.database).list(1L, Long.MAX_VALUE, 10).stream()
                    .map(AuditEntry::action).toList();
            assertEquals(List.of("erase.done", "erase.request"), actions);

            EraseRequest again = eraser.submit("admin", null, "A", null);
            eraser.runPending();
            EraseRequest second = eraser.find(again.id()).orElseThrow();
            assertEquals(EraseRequest.Status.DONE, second.status());
            assertEquals(50, second.eventsRemoved(), "every project: project 2's A events");
            assertEquals(0, search(local, 2, "user:A").size());
            assertEquals(50, search(local, 2, "user:B").size());
        }
    }

    @Test
    void aCrashAfterTheSwapAndBeforeTheOldFilesAreDeletedConvergesAtTheNextStart() throws Exception {
        long requestId;
        try (LocalStore local = new LocalStore(dataDir)) {
            load(local);
            int[] swaps = {0};
            Eraser eraser = eraser(local, new Eraser.Hooks() {
                @Override
                public void afterPublished(PartRecord old, List<PartRecord> replacements) {
                    if (++swaps[0] == 2) {
                        throw new Crash();
                    }
                }
            }, new ArrayList<>());
            requestId = eraser.submit("admin", null, "A", 1L).id();
            assertThrows(Crash.class, eraser::runPending);
            assertEquals(EraseRequest.Status.RUNNING, eraser.find(requestId).orElseThrow().status());
            assertEquals(3, local.parts.listRetired(0, Long.MAX_VALUE).size(),
                    "the second old part is retired, its files still there (beside compaction's two inputs)");
        }
        try (LocalStore restarted = new LocalStore(dataDir)) {
            eraser(restarted, Eraser.Hooks.NONE, new ArrayList<>()).runPending();
            assertErased(restarted, requestId);
        }
    }

    @Test
    void aCrashBeforeTheSwapConvergesAtTheNextStart() throws Exception {
        long requestId;
        try (LocalStore local = new LocalStore(dataDir)) {
            load(local);
            Eraser eraser = eraser(local, new Eraser.Hooks() {
                @Override
                public void afterFilesInstalled(PartRecord old, List<PartRecord> replacements) {
                    throw new Crash();
                }
            }, new ArrayList<>());
            requestId = eraser.submit("admin", null, "A", 1L).id();
            assertThrows(Crash.class, eraser::runPending);
            assertEquals(4, local.store.snapshot().parts().size(), "nothing swapped yet");
        }
        try (LocalStore restarted = new LocalStore(dataDir)) {
            assertEquals(4 * 4, partFileNames().size(), "start-up removed the files the catalog does not know"
                    + " (and compaction's retired inputs)");
            eraser(restarted, Eraser.Hooks.NONE, new ArrayList<>()).runPending();
            assertErased(restarted, requestId);
        }
    }

    @Test
    void aUserWithNoEventsIsDoneWithNothingRewritten() throws Exception {
        try (LocalStore local = new LocalStore(dataDir)) {
            load(local);
            Eraser eraser = eraser(local, Eraser.Hooks.NONE, new ArrayList<>());
            long id = eraser.submit("admin", null, "nobody", 1L).id();
            eraser.runPending();
            EraseRequest done = eraser.find(id).orElseThrow();
            assertEquals(EraseRequest.Status.DONE, done.status());
            assertEquals(0, done.partsRewritten());
            assertEquals(0, done.eventsRemoved());
            assertEquals(done.bytesBefore(), done.bytesAfter());
            assertThrows(io.larch.model.InvalidInputException.class, () -> eraser.submit("admin", null, "", null));
        }
    }
}
