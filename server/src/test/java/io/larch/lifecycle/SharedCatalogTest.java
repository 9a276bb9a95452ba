package io.larch.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.meta.AuditRepository;
import io.larch.meta.MaintenanceRunRepository;
import io.larch.meta.ProjectRepository;
import io.larch.meta.ProjectSettingRepository;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.objectstore.LocalDirObjectStore;
import io.larch.objectstore.ObjectStore;
import io.larch.part.ArchiveState;
import io.larch.part.PartRecord;
import io.larch.query.QueryParser;
import io.larch.search.QueryBudget;
import io.larch.search.SearchPage;
import io.larch.search.SearchRequest;
import io.larch.testing.Events;
import io.larch.testing.LocalStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** [several nodes] Two nodes, each with its own data dir, on one catalog and one archive. */
class SharedCatalogTest {
    private static final long T0 = 1_795_000_000_000L;

    @TempDir
    Path dir;

    private LocalStore node0;
    private LocalStore node1;
    private Maintenance maintenance0;
    private Maintenance maintenance1;

    @BeforeEach
    void twoNodes() throws Exception {
        String catalog = "jdbc:sqlite:" + dir.resolve("shared.db");
        ObjectStore archive = new LocalDirObjectStore(dir.resolve("archive"));
        node0 = LocalStore.sharing(dir.resolve("node-0"), 0, catalog);
        node1 = LocalStore.sharing(dir.resolve("node-1"), 1, catalog);
        maintenance0 = maintenance(node0, archive);
        maintenance1 = maintenance(node1, archive);
    }

    @AfterEach
    void close() {
        maintenance0.close();
        maintenance1.close();
        node0.close();
        node1.close();
    }

    @Test
    void anotherNodesPartIsReadOnceItIsInTheArchive() throws Exception {
        node0.seal(Kind.APP, events(0, 0, 50, "checkout failed"));
        SharedCatalog.Refresh before = refresh(maintenance1);
        assertEquals(new SharedCatalog.Refresh(0, 0, 0, 1), before, "published on node 0, not uploaded yet");
        assertEquals(0, search(node1, "checkout").events().size());

        assertEquals(1, refresh(maintenance0).uploaded(), "node 0 uploads its new part at once");
        assertEquals(new SharedCatalog.Refresh(0, 1, 0, 0), refresh(maintenance1));
        SearchPage page = search(node1, "checkout");
        assertEquals(50, page.events().size());
        assertFalse(page.isPartial());
        assertEquals(1, page.archivedPartsRead(), "node 1 read node 0's Parquet from the archive");
        assertTrue(Files.exists(node1.partFiles.rollupPath(node1.store.snapshot().parts().getFirst())),
                "the rollup sidecar came with the adoption");
        assertEquals(0, refresh(maintenance1).adopted(), "an adopted part is not fetched again");
    }

    @Test
    void bothNodesAnswerWithEveryNodesSealedEvents() throws Exception {
        node0.seal(Kind.APP, events(0, 0, 30, "payment timeout"));
        node1.seal(Kind.APP, events(1, 100, 20, "payment timeout"));
        refresh(maintenance0);
        refresh(maintenance1);
        refresh(maintenance0);
        for (LocalStore node : List.of(node0, node1)) {
            List<LogEvent> found = search(node, "payment").events();
            assertEquals(50, found.size());
            assertEquals(found.stream().sorted(LogEvent::compareNewestFirst).toList(), found, "newest first across nodes");
        }
    }

    @Test
    void aPartRetiredOnOneNodeLeavesTheOthersView() throws Exception {
        PartRecord part = node0.seal(Kind.APP, events(0, 0, 10, "old news")).getFirst();
        refresh(maintenance0);
        refresh(maintenance1);
        assertEquals(10, search(node1, "old").events().size());
        // retention (or an erase) on node 1 retires node 0's part
        PartRecord seenBy1 = node1.store.snapshot().parts().getFirst();
        assertEquals(part.id(), seenBy1.id());
        assertEquals(ArchiveState.LOCAL_DELETED, seenBy1.archive(), "node 1 reads it from the archive");
        assertEquals(1, node1.store.expire(List.of(seenBy1)).size());
        assertEquals(0, search(node1, "old").events().size());
        assertEquals(10, search(node0, "old").events().size(), "node 0 has not refreshed yet");
        assertEquals(1, refresh(maintenance0).dropped());
        assertEquals(0, search(node0, "old").events().size(), "node 0 no longer serves what the catalog retired");
    }

    @Test
    void compactionOnTheOwnerReplacesTheInputsEverywhere() throws Exception {
        for (int i = 0; i < 3; i++) {
            node0.seal(Kind.APP, events(0, i * 100, 10, "batch " + i + " done"));
        }
        refresh(maintenance0);
        refresh(maintenance1);
        assertEquals(3, node1.store.snapshot().parts().size());
        assertTrue(node0.compactor.compactNow() > 0, "node 0 merges its own uploaded parts");
        assertEquals(0, node1.compactor.compactNow(), "node 1 never merges node 0's parts");
        refresh(maintenance0);
        SharedCatalog.Refresh refresh = refresh(maintenance1);
        assertEquals(3, refresh.dropped());
        assertEquals(1, refresh.adopted());
        assertEquals(30, search(node1, "done").events().size());
    }

    @Test
    void aPartThisNodePublishesDuringARefreshStaysInItsSnapshot() throws Exception {
        PartRecord older = node0.seal(Kind.APP, events(0, 0, 5, "first")).getFirst();
        PartRecord newer = node0.seal(Kind.APP, events(0, 100, 5, "second")).getFirst();
        // as if the catalog was read before `newer` was published: not in ownBefore, not in ownPublished
        List<PartRecord> dropped = node0.store.reconcile(Set.of(older.id()), Set.of(older.id()), List.of());
        assertEquals(List.of(), dropped);
        assertEquals(2, node0.store.snapshot().parts().size());
        dropped = node0.store.reconcile(Set.of(older.id(), newer.id()), Set.of(newer.id()), List.of());
        assertEquals(List.of(older.id()), dropped.stream().map(PartRecord::id).toList());
    }

    private static SharedCatalog.Refresh refresh(Maintenance maintenance) {
        return maintenance.sharedCatalog().orElseThrow().refresh();
    }

    private static SearchPage search(LocalStore node, String query) {
        return node.searcher.search(new SearchRequest(QueryParser.parse(query), null, 1000), QueryBudget.unlimited());
    }

    /** {@code count} events of node {@code nodeId}, one second apart from {@code T0 + offsetSeconds}. */
    private static List<LogEvent> events(int nodeId, int offsetSeconds, int count, String message) {
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long ts = T0 + (offsetSeconds + i) * 1000L;
            events.add(Events.event(io.larch.model.EventId.pack(ts, nodeId, i), ts, 1, Kind.APP, message + " " + i));
        }
        return events;
    }

    private static Maintenance maintenance(LocalStore store, ObjectStore archive) {
        RetentionPolicies policies = new RetentionPolicies(store.database, new ProjectSettingRepository(store.database),
                new ProjectRepository(store.database), new AuditRepository(store.database), store.clock);
        Maintenance maintenance = new Maintenance(() -> { }, store.engine, store.parts, Optional.of(archive), policies,
                new MaintenanceRunRepository(store.database), store.store.nodeId(), store.clock,
                new Maintenance.Options(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofDays(3), Duration.ofMinutes(5),
                        1L << 30, Duration.ofHours(1)));
        store.engine.integrity().useColdParts(maintenance.coldParts());
        return maintenance;
    }
}
