package io.larch.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.datadir.FileNames;
import io.larch.http.BuildLines;
import io.larch.meta.BuildLogRecord;
import io.larch.meta.BuildLogRepository;
import io.larch.meta.Database;
import io.larch.meta.ProjectRepository;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.objectstore.LocalDirObjectStore;
import io.larch.objectstore.ObjectStore;
import io.larch.objectstore.ObjectStoreUnavailableException;
import io.larch.objectstore.StoredObject;
import io.larch.testing.Events;
import io.larch.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build-log archiver on a real archive directory and real SQLite: what ends a build, the queue bound, retries, the object. */
class BuildLogArchiverTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    @TempDir
    Path dir;
    private final MutableClock clock = MutableClock.at("2026-12-03T09:00:00Z");
    private Database database;
    private BuildLogRepository records;
    private LocalDirObjectStore archive;
    private long projectId;
    /** The "store": every event offered so far, in id order. */
    private final List<LogEvent> stored = new CopyOnWriteArrayList<>();
    private final AtomicInteger skippedParts = new AtomicInteger();
    private final List<BuildLogArchiver> started = new ArrayList<>();
    private long nextId = 1;

    @BeforeEach
    void open() throws IOException {
        database = Database.open("jdbc:sqlite:" + dir.resolve("larch.db"));
        ProjectRepository projects = new ProjectRepository(database);
        projectId = database.transaction(c -> projects.insertIfAbsent(c, "ci", "CI", 0)).orElseThrow().id();
        records = new BuildLogRepository(database);
        archive = new LocalDirObjectStore(dir.resolve("archive"));
        Files.createDirectories(FileNames.tmpDir(dir));
    }

    @AfterEach
    void close() {
        started.forEach(BuildLogArchiver::close);
        database.close();
    }

    private BuildLogArchiver archiver(ObjectStore store, int queueCapacity) {
        BuildLogReader reader = (project, build, afterId, limit) -> {
            List<LogEvent> lines = stored.stream()
                    .filter(e -> e.projectId() == project && build.equals(e.buildId()) && e.id() > afterId).toList();
            boolean more = lines.size() > limit;
            return new BuildLogReader.Page(more ? lines.subList(0, limit) : lines, more, skippedParts.get());
        };
        BuildLogArchiver archiver = new BuildLogArchiver(store, records, reader, BuildLines.encoder(), FileNames.tmpDir(dir),
                clock, new BuildLogArchiver.Options(queueCapacity, 1_000, 3, Duration.ofMillis(10), Duration.ofMillis(40), 5));
        started.add(archiver);
        return archiver;
    }

    /** Stores a batch (as ingest does) and offers it. */
    private void ingest(BuildLogArchiver archiver, LogEvent... batch) {
        stored.addAll(List.of(batch));
        archiver.offer(List.of(batch));
    }

    private LogEvent line(String build, String message) {
        return Events.buildLine(nextId++, projectId, Kind.APP, build, null, message);
    }

    private LogEvent end(String build, String status) {
        return Events.buildLine(nextId++, projectId, Kind.BUILD, build, status, build + " ended " + status);
    }

    @Test
    void anEndIsABuildEventWithAnEndStatus() {
        check(Kind.BUILD, "b1", "failed", true);
        check(Kind.BUILD, "b1", "success", true);
        check(Kind.BUILD, "b1", "error", true);
        check(Kind.BUILD, "b1", "FAILED", true);
        check(Kind.BUILD, "b1", " success ", true);
        check(Kind.BUILD, "b1", "working", false);
        check(Kind.BUILD, "b1", "warning", false);
        check(Kind.BUILD, "b1", null, false);
        check(Kind.BUILD, null, "failed", false);
        check(Kind.APP, "b1", "failed", false);
        check(Kind.DEPLOY, "b1", "success", false);
    }

    private void check(Kind kind, String build, String status, boolean ends) {
        assertEquals(ends, BuildLogArchiver.endsBuild(Events.buildLine(1, 1, kind, build, status, "m")),
                kind + " " + build + " " + status);
    }

    @Test
    void objectKeysNameTheProjectAndKeepOddBuildIdsInOneSegment() {
        assertEquals("builds/7/b-1.2_x.ndjson.gz", BuildLogArchiver.objectKey(7, "b-1.2_x"));
        assertEquals("builds/7/release%2F1.2%20%CE%B2.ndjson.gz", BuildLogArchiver.objectKey(7, "release/1.2 β"));
        assertEquals("builds/7/..%2F..%2Fetc.ndjson.gz", BuildLogArchiver.objectKey(7, "../../etc"));
        assertEquals("builds/7/100%25.ndjson.gz", BuildLogArchiver.objectKey(7, "100%"));
    }

    @Test
    void aFullQueueCountsADropAndNeverBlocks() throws Exception {
        BuildLogArchiver archiver = archiver(archive, 2);
        ingest(archiver, line("b1", "compiling"), line("b2", "compiling"), line("b3", "compiling"));
        ingest(archiver, end("b1", "failed"), end("b2", "success"), end("b3", "error"));
        assertEquals(2, archiver.queued());
        assertEquals(1, archiver.dropped(), "b3 found the queue full");
        ingest(archiver, end("b1", "failed"));
        assertEquals(1, archiver.dropped(), "b1 is already queued: its write reads this end too");
        ingest(archiver, Events.buildLine(nextId++, projectId, Kind.BUILD, "b4", "working", "still going"));
        assertEquals(2, archiver.queued(), "not an end");

        archiver.start();
        assertTrue(archiver.awaitIdle(WAIT));
        assertEquals(2, archiver.written());
        assertTrue(archive.stat("builds/" + projectId + "/b1.ndjson.gz").isPresent());
        assertTrue(archive.stat("builds/" + projectId + "/b2.ndjson.gz").isPresent());
        assertEquals(Optional.empty(), archive.stat("builds/" + projectId + "/b3.ndjson.gz"), "dropped");
        ingest(archiver, end("b3", "error"));
        assertTrue(archiver.awaitIdle(WAIT));
        assertEquals(3, archiver.written(), "a dropped build is written at its next end");
        assertEquals(List.of("compiling", "b3 ended error", "b3 ended error"),
                messages(objectLines("b3")));
    }

    @Test
    void theObjectIsTheBuildsLinesAsTheNdjsonRouteWritesThem() throws Exception {
        BuildLogArchiver archiver = archiver(archive, 8);
        archiver.start();
        List<LogEvent> b1 = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            LogEvent own = line("b1", "step " + i);
            b1.add(own);
            ingest(archiver, own, line("b2", "other build " + i));
        }
        LogEvent end = end("b1", "failed");
        b1.add(end);
        ingest(archiver, end);
        assertTrue(archiver.awaitIdle(WAIT));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        BuildLines.encoder().write(b1, expected);
        assertEquals(expected.toString(java.nio.charset.StandardCharsets.UTF_8),
                new String(object("b1"), java.nio.charset.StandardCharsets.UTF_8), "read in pages of 3, written as one NDJSON");
        BuildLogRecord record = archiver.archived(projectId, "b1").orElseThrow();
        assertEquals(8, record.lineCount());
        assertEquals(end.id(), record.maxEventId());
        StoredObject inStore = archive.stat(record.objectKey()).orElseThrow();
        assertEquals(inStore.sizeBytes(), record.sizeBytes());
        assertEquals(inStore.md5Hex(), record.md5Hex());
        assertEquals(clock.millis(), record.writtenAt());
        assertEquals(List.of(), Files.list(FileNames.tmpDir(dir)).toList(), "no temporary file is left");

        LogEvent late = line("b1", "late line");
        ingest(archiver, late);
        assertTrue(archiver.awaitIdle(WAIT));
        assertEquals(end.id(), archiver.archived(projectId, "b1").orElseThrow().maxEventId(), "a late line alone rewrites nothing");
        clock.advance(Duration.ofMinutes(5));
        ingest(archiver, end("b1", "success"));
        assertTrue(archiver.awaitIdle(WAIT));
        assertEquals(10, archiver.archived(projectId, "b1").orElseThrow().lineCount(), "the retried build's end rewrites it");
        assertEquals(List.of("step 6", "b1 ended failed", "late line", "b1 ended success"),
                messages(objectLines("b1")).subList(6, 10));
    }

    @Test
    void anUnavailableStoreIsRetriedWithBackoff() throws Exception {
        AtomicInteger failuresLeft = new AtomicInteger(2);
        BuildLogArchiver archiver = archiver(new FailingPuts(archive, failuresLeft), 8);
        archiver.start();
        ingest(archiver, line("b1", "compiling"), end("b1", "success"));
        assertTrue(archiver.awaitIdle(WAIT));
        assertEquals(2, archiver.retried());
        assertEquals(1, archiver.written());
        assertEquals(0, archiver.failed());
        assertEquals(2, archiver.archived(projectId, "b1").orElseThrow().lineCount());

        failuresLeft.set(1_000);
        ingest(archiver, end("b2", "failed"));
        assertTrue(archiver.awaitIdle(WAIT));
        assertEquals(1, archiver.failed(), "given up after its attempts");
        assertEquals(Optional.empty(), archiver.archived(projectId, "b2"));
    }

    @Test
    void aBuildThatCouldHaveLinesInAQuarantinedPartIsNotArchived() throws Exception {
        BuildLogArchiver archiver = archiver(archive, 8);
        archiver.start();
        skippedParts.set(1);
        ingest(archiver, line("b1", "compiling"), end("b1", "failed"));
        assertTrue(archiver.awaitIdle(WAIT));
        assertEquals(1, archiver.incomplete());
        assertEquals(0, archiver.written());
        assertEquals(Optional.empty(), archive.stat(BuildLogArchiver.objectKey(projectId, "b1")));
        assertEquals(Optional.empty(), archiver.archived(projectId, "b1"));
    }

    @Test
    void aClosedArchiverIgnoresOffers() {
        BuildLogArchiver archiver = archiver(archive, 8);
        archiver.start();
        archiver.close();
        ingest(archiver, end("b1", "failed"));
        assertEquals(0, archiver.queued());
        assertEquals(0, archiver.dropped());
    }

    private byte[] object(String build) throws IOException {
        Path copy = dir.resolve("copy-" + System.nanoTime());
        archive.get(BuildLogArchiver.objectKey(projectId, build), copy);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(copy))) {
            return in.readAllBytes();
        }
    }

    private List<String> objectLines(String build) throws IOException {
        return new String(object(build), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
    }

    private static List<String> messages(List<String> lines) {
        return lines.stream().map(l -> l.replaceAll(".*\"message\":\"([^\"]*)\".*", "$1")).toList();
    }

    /** The real archive, whose uploads fail as unavailable while {@code failuresLeft} lasts: a store that is down. */
    private record FailingPuts(ObjectStore store, AtomicInteger failuresLeft) implements ObjectStore {
        @Override
        public StoredObject put(String key, Path file, byte[] md5) {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new ObjectStoreUnavailableException("the archive is down (test)", null);
            }
            return store.put(key, file, md5);
        }

        @Override
        public Optional<StoredObject> stat(String key) {
            return store.stat(key);
        }

        @Override
        public void get(String key, Path target) {
            store.get(key, target);
        }

        @Override
        public void delete(String key) {
            store.delete(key);
        }

        @Override
        public List<StoredObject> list(String prefix) {
            return store.list(prefix);
        }

        @Override
        public String describe() {
            return store.describe();
        }

        @Override
        public void close() {
        }
    }
}
