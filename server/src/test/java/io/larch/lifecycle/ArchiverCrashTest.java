package io.larch.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.meta.AuditRepository;
import io.larch.meta.MaintenanceRunRepository;
import io.larch.meta.ProjectRepository;
import io.larch.meta.ProjectSettingRepository;
import io.larch.model.Kind;
import io.larch.objectstore.LocalDirObjectStore;
import io.larch.objectstore.ObjectStore;
import io.larch.objectstore.StoredObject;
import io.larch.part.ArchiveState;
import io.larch.part.FileChecksum;
import io.larch.part.PartRecord;
import io.larch.query.QueryParser;
import io.larch.search.QueryBudget;
import io.larch.search.SearchPage;
import io.larch.search.SearchRequest;
import io.larch.testing.Events;
import io.larch.testing.LocalStore;
import io.larch.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A crash at each step of archiving (a hook throws there, then the store is closed and opened
 * again as a restart would) converges: the part ends archived once, only in the archive,
 * whole, and every event is still found.
 */
class ArchiverCrashTest {
    private static final Duration LOCAL_GRACE = Duration.ofDays(3);
    private static final Duration QUERY_GRACE = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    /** Where the first run stops. */
    enum CrashPoint { AFTER_MARKED_ARCHIVING, AFTER_UPLOADED, AFTER_MARKED_ARCHIVED, AFTER_MARKED_LOCAL_DELETED }

    @ParameterizedTest
    @EnumSource(CrashPoint.class)
    void aCrashAtEachArchiveStepConvergesAfterRestart(CrashPoint crashPoint) throws Exception {
        MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
        Path data = Files.createDirectories(dir.resolve("data"));
        ObjectStore archive = new LocalDirObjectStore(dir.resolve("archive"));
        try (LocalStore store = new LocalStore(data, clock)) {
            store.seal(Kind.APP, Events.batch(1, 500, Kind.APP, "crash test line"));
            clock.advance(Duration.ofDays(40));
            try (Maintenance maintenance = maintenance(store, archive, crashingAt(crashPoint))) {
                if (crashPoint == CrashPoint.AFTER_MARKED_LOCAL_DELETED) {
                    assertEquals("ok", maintenance.run("test").outcome());
                    clock.advance(LOCAL_GRACE.plusMinutes(1));
                }
                assertEquals("failed", maintenance.run("test").outcome(), "the hook stopped the run at " + crashPoint);
            }
        }
        try (LocalStore restarted = new LocalStore(data, clock);
             Maintenance maintenance = maintenance(restarted, archive, Archiver.Hooks.NONE)) {
            assertEquals(500, search(restarted).events().size(), "nothing is lost at " + crashPoint);
            maintenance.run("test");
            clock.advance(LOCAL_GRACE.plusMinutes(1));
            maintenance.run("test");
            clock.advance(QUERY_GRACE.plusMinutes(1));
            assertEquals("ok", maintenance.run("test").outcome());

            List<PartRecord> parts = restarted.store.snapshot().parts();
            assertEquals(1, parts.size());
            PartRecord part = parts.getFirst();
            assertEquals(ArchiveState.LOCAL_DELETED, part.archive());
            assertEquals(ArchiveState.LOCAL_DELETED, restarted.parts.listPublished().getFirst().archive(), "the catalog agrees");
            assertFalse(Files.exists(restarted.partFiles.localPath(part)), "the local copy is gone");
            List<StoredObject> objects = archive.list("");
            assertEquals(4, objects.size(), "one part's four objects, uploaded once under deterministic keys: " + objects);
            Path fetched = dir.resolve("fetched.parquet");
            archive.get(restarted.parts.archiveKey(part.id()).orElseThrow(), fetched);
            assertEquals(part.checksum(), FileChecksum.of(fetched), "the archived bytes are the part's");
            SearchPage page = search(restarted);
            assertEquals(500, page.events().size(), "every event is found from the archive");
            assertEquals(1, page.archivedPartsRead());
            assertTrue(Files.exists(restarted.partFiles.cachedPath(part)));
        }
    }

    @Test
    void aPartThatFailsItsChecksumIsNeverArchived() throws Exception {
        MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
        ObjectStore archive = new LocalDirObjectStore(dir.resolve("archive"));
        try (LocalStore store = new LocalStore(Files.createDirectories(dir.resolve("data")), clock);
             Maintenance maintenance = maintenance(store, archive, Archiver.Hooks.NONE)) {
            PartRecord part = store.seal(Kind.APP, Events.batch(1, 300, Kind.APP, "damaged line")).getFirst();
            byte[] bytes = Files.readAllBytes(store.partFiles.path(part));
            bytes[bytes.length / 2] ^= 0x10;
            Files.write(store.partFiles.path(part), bytes);
            clock.advance(Duration.ofDays(40));
            Maintenance.Report report = maintenance.run("test");
            assertEquals("partial", report.outcome(), report.toMap().toString());
            assertEquals(List.of(), archive.list(""), "damage is not laundered into the archive");
            assertEquals(1, store.store.snapshot().quarantined().size());
        }
    }

    private static SearchPage search(LocalStore store) {
        return store.searcher.search(new SearchRequest(QueryParser.parse("crash"), null, 1000),
                QueryBudget.unlimited());
    }

    private static Archiver.Hooks crashingAt(CrashPoint point) {
        return new Archiver.Hooks() {
            @Override
            public void afterMarkedArchiving(PartRecord part) {
                crashIf(point == CrashPoint.AFTER_MARKED_ARCHIVING);
            }

            @Override
            public void afterUploaded(PartRecord part) {
                crashIf(point == CrashPoint.AFTER_UPLOADED);
            }

            @Override
            public void afterMarkedArchived(PartRecord part) {
                crashIf(point == CrashPoint.AFTER_MARKED_ARCHIVED);
            }

            @Override
            public void afterMarkedLocalDeleted(PartRecord part) {
                crashIf(point == CrashPoint.AFTER_MARKED_LOCAL_DELETED);
            }
        };
    }

    private static void crashIf(boolean crash) {
        if (crash) {
            throw new IllegalStateException("simulated crash");
        }
    }

    static Maintenance maintenance(LocalStore store, ObjectStore archive, Archiver.Hooks hooks) {
        RetentionPolicies policies = new RetentionPolicies(store.database, new ProjectSettingRepository(store.database),
                new ProjectRepository(store.database), new AuditRepository(store.database), store.clock);
        Maintenance maintenance = new Maintenance(() -> { }, store.engine, store.parts, Optional.of(archive), policies,
                new MaintenanceRunRepository(store.database), 0, store.clock,
                new Maintenance.Options(Duration.ofHours(1), Duration.ofMinutes(5), LOCAL_GRACE, QUERY_GRACE, 256L << 20),
                hooks);
        store.engine.integrity().useColdParts(maintenance.coldParts());
        return maintenance;
    }
}
