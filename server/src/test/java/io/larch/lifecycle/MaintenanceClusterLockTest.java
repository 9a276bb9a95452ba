package io.larch.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.meta.AuditRepository;
import io.larch.meta.Database;
import io.larch.meta.MaintenanceRunRepository;
import io.larch.meta.ProjectRepository;
import io.larch.meta.ProjectSettingRepository;
import io.larch.model.Kind;
import io.larch.objectstore.LocalDirObjectStore;
import io.larch.objectstore.ObjectStore;
import io.larch.part.PartRecord;
import io.larch.testing.Events;
import io.larch.testing.LocalStore;
import io.larch.testing.MetadataBackends;
import io.larch.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes' maintenance started together, round after round, behind one real PostgreSQL
 * advisory lock: their runs never overlap (each run's lock interval and the work inside it are
 * recorded), the node that finds the lock held records a skipped run and does its work in a later
 * round, so both nodes' parts get archived. Without the lock the same runs do overlap (the test
 * can see an overlap), and one node on SQLite never skips.
 */
class MaintenanceClusterLockTest {
    /** How long an upload takes in this test: long enough that two unguarded runs overlap. */
    private static final Duration UPLOAD = Duration.ofMillis(300);

    @TempDir
    Path dir;
    private final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
    private final List<AutoCloseable> open = new ArrayList<>();
    /** Every interval, as {node, start nanos, end nanos, kind (0 lock held, 1 upload)}. */
    private final List<long[]> intervals = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : open.reversed()) {
            closeable.close();
        }
    }

    /** A node: its own data dir, catalog and archive, one sealed part past its warm boundary. */
    private record Node(int id, LocalStore store, ObjectStore archive, Maintenance maintenance) {
    }

    private Node node(int id, ClusterLock lock) throws Exception {
        Path data = Files.createDirectories(dir.resolve("node" + id));
        LocalStore store = new LocalStore(data, clock, id);
        open.add(store);
        store.seal(Kind.APP, Events.batch(1, 200, Kind.APP, "node " + id + " line"));
        ObjectStore archive = new LocalDirObjectStore(dir.resolve("archive" + id));
        RetentionPolicies policies = new RetentionPolicies(store.database, new ProjectSettingRepository(store.database),
                new ProjectRepository(store.database), new AuditRepository(store.database), store.clock);
        Archiver.Hooks slowUpload = new Archiver.Hooks() {
            @Override
            public void afterUploaded(PartRecord part) {
                long start = System.nanoTime();
                try {
                    Thread.sleep(UPLOAD.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                intervals.add(new long[] {id, start, System.nanoTime(), 1});
            }
        };
        Maintenance maintenance = new Maintenance(() -> { }, store.engine, store.parts, Optional.of(archive), policies,
                new MaintenanceRunRepository(store.database), id, clock,
                new Maintenance.Options(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofDays(3), Duration.ofMinutes(5),
                        256L << 20), slowUpload, recording(id, lock));
        open.add(maintenance);
        return new Node(id, store, archive, maintenance);
    }

    /** {@code lock}, recording when node {@code id} held it. */
    private ClusterLock recording(int id, ClusterLock lock) {
        return new ClusterLock() {
            @Override
            public Optional<Held> tryAcquire() {
                return lock.tryAcquire().map(this::recorded);
            }

            @Override
            public Optional<Held> acquire(Duration timeout) throws InterruptedException {
                return lock.acquire(timeout).map(this::recorded);
            }

            private Held recorded(Held held) {
                long start = System.nanoTime();
                return () -> {
                    intervals.add(new long[] {id, start, System.nanoTime(), 0});
                    held.close();
                };
            }
        };
    }

    /** Runs both nodes' scheduled maintenance at the same moment; returns their reports. */
    private static List<Maintenance.Report> together(Node a, Node b) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier start = new CyclicBarrier(2);
            Future<Maintenance.Report> first = threads.submit(() -> {
                start.await();
                return a.maintenance().run("schedule");
            });
            Future<Maintenance.Report> second = threads.submit(() -> {
                start.await();
                Thread.sleep(5); // a head start for the first, so which node wins is the caller's choice, not the scheduler's
                return b.maintenance().run("schedule");
            });
            return List.of(first.get(60, TimeUnit.SECONDS), second.get(60, TimeUnit.SECONDS));
        } finally {
            threads.shutdownNow();
        }
    }

    private boolean overlapBetweenNodes(long kind) {
        for (long[] x : intervals) {
            for (long[] y : intervals) {
                if (x[3] == kind && y[3] == kind && x[0] < y[0] && x[1] < y[2] && y[1] < x[2]) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean archived(Node node) {
        try {
            return !node.archive().list("").isEmpty();
        } catch (RuntimeException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void twoNodesStartedTogetherNeverOverlapAndBothGetTheirWorkDone() throws Exception {
        Database shared = MetadataBackends.open("postgresql", dir);
        open.add(shared);
        ClusterLock lock = ClusterLock.of(shared, Maintenance.CLUSTER_LOCK_KEY);
        Node a = node(1, lock);
        Node b = node(2, lock);
        clock.advance(Duration.ofDays(40));
        List<String> outcomes = new ArrayList<>();
        for (int round = 0; round < 5 && !(archived(a) && archived(b)); round++) {
            // each node in turn starts first, so each gets the lock at least once
            (round % 2 == 0 ? together(a, b) : together(b, a)).forEach(report -> outcomes.add(report.outcome()));
        }
        assertTrue(archived(a) && archived(b), "both nodes' parts were archived: " + outcomes);
        assertTrue(outcomes.contains("skipped"), "started together, one node found the lock held: " + outcomes);
        assertFalse(overlapBetweenNodes(0), "the lock was never held by both nodes at once");
        assertFalse(overlapBetweenNodes(1), "no two uploads of different nodes overlapped");
        for (long[] upload : intervals.stream().filter(i -> i[3] == 1).toList()) {
            assertTrue(intervals.stream().anyMatch(held -> held[3] == 0 && held[0] == upload[0] && held[1] <= upload[1]
                    && upload[2] <= held[2]), "each upload ran while its node held the lock");
        }
        for (Node node : List.of(a, b)) {
            MaintenanceRunRepository.MaintenanceRun last = new MaintenanceRunRepository(node.store().database)
                    .latest(node.id()).orElseThrow();
            assertEquals(node.id(), last.nodeId(), "each run is recorded with the node that ran it");
        }
        long skippedRecorded = List.of(a, b).stream().mapToLong(node -> node.store().database.read(c -> {
            try (var select = c.prepareStatement("SELECT COUNT(*) FROM maintenance_runs WHERE node_id = ? AND outcome = 'skipped'")) {
                select.setInt(1, node.id());
                try (var rows = select.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        })).sum();
        assertTrue(skippedRecorded >= 1, "the skipped round is in maintenance_runs");
    }

    @Test
    void withoutTheLockTheSameRunsOverlap() throws Exception {
        Node a = node(1, ClusterLock.NONE);
        Node b = node(2, ClusterLock.NONE);
        clock.advance(Duration.ofDays(40));
        List<Maintenance.Report> reports = together(a, b);
        assertEquals(List.of("ok", "ok"), reports.stream().map(Maintenance.Report::outcome).toList());
        assertTrue(overlapBetweenNodes(1), "the test sees an overlap when nothing prevents it");
    }

    @Test
    void oneNodeOnSqliteNeverSkips() throws Exception {
        Database sqlite = MetadataBackends.open("sqlite", dir);
        open.add(sqlite);
        assertEquals(ClusterLock.NONE, ClusterLock.of(sqlite, Maintenance.CLUSTER_LOCK_KEY), "no lock on SQLite");
        Node alone = node(1, ClusterLock.of(sqlite, Maintenance.CLUSTER_LOCK_KEY));
        clock.advance(Duration.ofDays(40));
        Maintenance.Report first = alone.maintenance().run("schedule");
        assertEquals("ok", first.outcome());
        assertEquals("ok", alone.maintenance().run("schedule").outcome());
        assertTrue(archived(alone), first.toMap().toString());
    }
}
