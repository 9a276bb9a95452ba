package io.larch.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.objectstore.RetryPolicy;
import io.larch.objectstore.S3ObjectStore;
import io.larch.part.ArchiveState;
import io.larch.part.PartRecord;
import io.larch.query.QueryParser;
import io.larch.search.QueryBudget;
import io.larch.search.SearchPage;
import io.larch.search.SearchRequest;
import io.larch.testing.Events;
import io.larch.testing.LocalStore;
import io.larch.testing.MutableClock;
import io.larch.testing.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archiving to a real S3 server (s3proxy on loopback) that goes down and comes back. */
class ArchiveToS3Test {
    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(20), Duration.ofMillis(100),
            Duration.ofSeconds(2));

    @TempDir
    Path dir;

    @Test
    void s3DownDuringArchiveKeepsTheLocalCopyAndArchivesOnceWhenBack() throws Exception {
        MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
        try (S3Server s3 = S3Server.startNew();
             S3ObjectStore archive = new S3ObjectStore(s3.bucket(""), FAST);
             LocalStore store = new LocalStore(Files.createDirectories(dir.resolve("data")), clock);
             Maintenance maintenance = ArchiverCrashTest.maintenance(store, archive, Archiver.Hooks.NONE)) {
            PartRecord part = store.seal(Kind.APP, Events.batch(1, 400, Kind.APP, "crash s3 line")).getFirst();
            clock.advance(Duration.ofDays(40));
            s3.stop();
            Maintenance.Report down = maintenance.run("test");
            assertEquals("partial", down.outcome(), down.toMap().toString());
            assertTrue(Files.exists(store.partFiles.localPath(part)), "nothing is deleted locally while S3 is down");
            assertEquals(ArchiveState.ARCHIVING, store.parts.listPublished().getFirst().archive(), "tried again later");
            clock.advance(Duration.ofDays(4));
            maintenance.run("test");
            assertTrue(Files.exists(store.partFiles.localPath(part)), "no local delete before a verified upload");

            s3.start();
            int putsBefore = s3.putCount();
            assertEquals("ok", maintenance.run("test").outcome());
            int puts = s3.putCount() - putsBefore;
            assertEquals(ArchiveState.ARCHIVED, store.parts.listPublished().getFirst().archive());
            maintenance.run("test");
            assertEquals(puts, s3.putCount() - putsBefore, "archived exactly once: a later run uploads nothing");
            clock.advance(Duration.ofDays(3).plusHours(1));
            maintenance.run("test");
            clock.advance(Duration.ofMinutes(10));
            maintenance.run("test");
            assertTrue(!Files.exists(store.partFiles.localPath(part)), "the local copy goes after the grace");

            SearchPage page = store.searcher.search(new SearchRequest(QueryParser.parse("crash"), null, 1000),
                    QueryBudget.unlimited());
            assertEquals(400, page.events().size(), "read back from S3");
            assertEquals(1, page.archivedPartsRead());
            s3.stop();
            PartRecord archiveOnly = store.store.snapshot().parts().getFirst();
            Files.deleteIfExists(store.partFiles.cachedPath(archiveOnly));
            SearchPage unreachable = store.searcher.search(new SearchRequest(QueryParser.parse("crash"), null, 1000),
                    QueryBudget.unlimited());
            assertEquals(0, unreachable.events().size());
            assertTrue(unreachable.isPartial(), "an unreachable archive makes the answer partial, never whole");
            assertEquals(0, store.store.snapshot().quarantined().size(), "an outage is not damage");
        }
    }
}
