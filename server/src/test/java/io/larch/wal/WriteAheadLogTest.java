package io.larch.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.config.WalDurability;
import io.larch.datadir.FileNames;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.testing.Events;
import io.larch.testing.MutableClock;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {
    @TempDir
    Path dataDir;
    private final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
    private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
    private final List<LogEvent> durable = Collections.synchronizedList(new ArrayList<>());

    private final WalListener listener = new WalListener() {
        @Override
        public void onDurable(long segmentId, Kind kind, List<LogEvent> events) {
            durable.addAll(events);
            notes.add("durable " + segmentId + " " + events.size());
        }

        @Override
        public void onSegmentClosed(long segmentId, Kind kind) {
            notes.add("closed " + segmentId);
        }
    };

    private WriteAheadLog start(WalDurability durability, long maxBytes) {
        return WriteAheadLog.start(new WalOptions(dataDir, durability, Duration.ofMillis(5), maxBytes,
                Duration.ofHours(1)), clock, listener, 1);
    }

    private List<LogEvent> replayed() throws IOException {
        List<LogEvent> events = new ArrayList<>();
        WalRecovery.recover(dataDir, Set.of(), true).segments().forEach(s -> events.addAll(s.events()));
        return events;
    }

    private List<Path> segmentFiles(Kind kind) throws IOException {
        try (Stream<Path> files = Files.list(FileNames.walDir(dataDir, kind))) {
            return files.sorted().toList();
        }
    }

    @Test
    void replaysEverythingAppendedInOrder() throws IOException {
        List<LogEvent> appended = new ArrayList<>();
        try (WriteAheadLog wal = start(WalDurability.FSYNC, 16 << 20)) {
            for (int i = 0; i < 10; i++) {
                Kind kind = i % 3 == 0 ? Kind.BUILD : Kind.APP;
                List<LogEvent> batch = Events.batch(i * 100L, 5, kind, "batch " + i);
                wal.append(kind, batch);
                appended.addAll(batch);
            }
        }
        List<LogEvent> replayed = replayed();
        assertEquals(appended.size(), replayed.size());
        assertTrue(replayed.containsAll(appended));
        assertEquals(appended, durable, "the listener saw every batch, in order");
    }

    @Test
    void concurrentAppendsShareFsyncs() throws Exception {
        int threads = 16;
        int perThread = 40;
        try (WriteAheadLog wal = start(WalDurability.FSYNC, 16 << 20);
             ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long base = t * 10_000L;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        wal.append(Kind.APP, Events.batch(base + i * 10, 3, Kind.APP, "x"));
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
            assertTrue(wal.fsyncCount() < threads * perThread,
                    "group commit: " + wal.fsyncCount() + " fsyncs for " + threads * perThread + " appends");
        }
        assertEquals(threads * perThread * 3, replayed().size());
    }

    @Test
    void cutsATornTailAndKeepsWhatCameBefore() throws IOException {
        try (WriteAheadLog wal = start(WalDurability.FSYNC, 16 << 20)) {
            wal.append(Kind.APP, Events.batch(1, 3, Kind.APP, "kept"));
            wal.append(Kind.APP, Events.batch(10, 3, Kind.APP, "torn"));
        }
        Path segment = segmentFiles(Kind.APP).getFirst();
        long size = Files.size(segment);
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(size - 7);
        }
        WalRecovery.Result result = WalRecovery.recover(dataDir, Set.of(), true);
        assertEquals(1, result.tornSegments());
        assertEquals(List.of("kept 1", "kept 2", "kept 3"),
                result.segments().getFirst().events().stream().map(LogEvent::message).toList());
    }

    @Test
    void stopsAtACorruptRecord() throws IOException {
        try (WriteAheadLog wal = start(WalDurability.FSYNC, 16 << 20)) {
            wal.append(Kind.APP, Events.batch(1, 2, Kind.APP, "kept"));
            wal.append(Kind.APP, Events.batch(10, 2, Kind.APP, "flipped"));
        }
        Path segment = segmentFiles(Kind.APP).getFirst();
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(Files.size(segment) - 20);
            int b = file.read();
            file.seek(Files.size(segment) - 20);
            file.write(b ^ 0x40);
        }
        WalRecovery.Result result = WalRecovery.recover(dataDir, Set.of(), true);
        assertEquals(1, result.tornSegments());
        assertEquals(List.of("kept 1", "kept 2"), result.segments().getFirst().events().stream().map(LogEvent::message).toList());
    }

    @Test
    void rotatesAtTheSizeLimitAndReportsClosedSegmentsAfterTheirEvents() throws IOException {
        long maxBytes = 24 * 1024;
        try (WriteAheadLog wal = start(WalDurability.FSYNC, maxBytes)) {
            for (int i = 0; i < 100; i++) {
                wal.append(Kind.APP, Events.batch(i * 100L, 20, Kind.APP, "a fairly long message to fill segments"));
            }
        }
        List<Path> segments = segmentFiles(Kind.APP);
        assertTrue(segments.size() > 3, "segments: " + segments.size());
        for (Path segment : segments) {
            assertTrue(Files.size(segment) <= maxBytes, segment + " is " + Files.size(segment) + " bytes");
        }
        long closedSegment = Long.parseLong(notes.stream().filter(n -> n.startsWith("closed")).findFirst().orElseThrow()
                .substring("closed ".length()));
        int closedAt = notes.indexOf("closed " + closedSegment);
        int lastDurableOfIt = -1;
        for (int i = 0; i < notes.size(); i++) {
            if (notes.get(i).startsWith("durable " + closedSegment + " ")) {
                lastDurableOfIt = i;
            }
        }
        assertTrue(lastDurableOfIt >= 0 && lastDurableOfIt < closedAt, notes.toString());
        assertEquals(2000, replayed().size());
    }

    @Test
    void rotatesSegmentsOlderThanTheMaximumAge() throws Exception {
        try (WriteAheadLog wal = start(WalDurability.FSYNC, 16 << 20)) {
            wal.append(Kind.APP, Events.batch(1, 1, Kind.APP, "old"));
            clock.advance(Duration.ofMinutes(61));
            wal.append(Kind.APP, Events.batch(2, 1, Kind.APP, "new"));
            assertTrue(notes.contains("closed 1"), notes.toString());
            clock.advance(Duration.ofMinutes(61));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!notes.contains("closed 2") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(notes.contains("closed 2"), "an idle segment is closed by age too: " + notes);
        }
    }

    @Test
    void rotateAllClosesEveryNonEmptySegment() {
        try (WriteAheadLog wal = start(WalDurability.NONE, 16 << 20)) {
            wal.append(Kind.APP, Events.batch(1, 1, Kind.APP, "a"));
            wal.append(Kind.WORK, Events.batch(2, 1, Kind.WORK, "w"));
            wal.rotateAll();
            assertTrue(notes.contains("closed 1") && notes.contains("closed 2"), notes.toString());
            wal.rotateAll();
            assertEquals(2, notes.stream().filter(n -> n.startsWith("closed")).count(), "empty segments are not closed");
            assertEquals(List.of(1L, 1L, 0L), List.of(wal.rotations(Kind.APP), wal.rotations(Kind.WORK),
                    wal.rotations(Kind.BUILD)), "rotations are counted by kind");
        }
    }

    @Test
    void recoveryDeletesSealedAndEmptySegmentsAndNumbersPastThem() throws IOException {
        try (WriteAheadLog wal = start(WalDurability.FSYNC, 16 << 20)) {
            wal.append(Kind.APP, Events.batch(1, 1, Kind.APP, "a"));
            wal.rotateAll();
            wal.append(Kind.APP, Events.batch(2, 1, Kind.APP, "b"));
        }
        Files.write(FileNames.segmentFile(dataDir, Kind.APP, 9), new byte[0]);
        WalRecovery.Result result = WalRecovery.recover(dataDir, Set.of(1L), false);
        assertEquals(List.of(2L), result.segments().stream().map(WalRecovery.RecoveredSegment::segmentId).toList());
        assertEquals(10, result.nextSegmentId());
        assertEquals(List.of(FileNames.segmentFile(dataDir, Kind.APP, 2)), segmentFiles(Kind.APP));
    }

    @Test
    void batchModeStillAcknowledgesOnlyDurableData() throws IOException {
        try (WriteAheadLog wal = start(WalDurability.BATCH, 16 << 20)) {
            wal.append(Kind.APP, Events.batch(1, 2, Kind.APP, "a"));
            assertEquals(1, wal.fsyncCount());
        }
        assertEquals(2, replayed().size());
    }

    @Test
    void anErrorOnTheWriterThreadFailsEveryAppendInsteadOfHanging() {
        WalListener outOfMemory = new WalListener() {
            @Override
            public void onDurable(long segmentId, Kind kind, List<LogEvent> events) {
                throw new OutOfMemoryError("injected by the test");
            }

            @Override
            public void onSegmentClosed(long segmentId, Kind kind) {
            }
        };
        try (WriteAheadLog wal = WriteAheadLog.start(new WalOptions(dataDir, WalDurability.FSYNC, Duration.ofMillis(5),
                16 << 20, Duration.ofHours(1)), clock, outOfMemory, 1)) {
            assertTrue(wal.isWriting());
            WalException first = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(WalException.class,
                    () -> wal.append(Kind.APP, Events.batch(1, 3, Kind.APP, "first"))));
            assertTrue(first.getMessage().contains("writer stopped after an internal error"), first.getMessage());
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                WalException later = assertThrows(WalException.class,
                        () -> wal.append(Kind.APP, Events.batch(10, 3, Kind.APP, "later")));
                assertTrue(later.getMessage().contains("until Larch is restarted"), later.getMessage());
                assertThrows(WalException.class, wal::rotateAll);
            });
            assertFalse(wal.isWriting());
        }
    }

    @Test
    void aMixedKindBatchThatCannotBeWrittenStoresNothingOfAnyKind() throws IOException {
        // A file where the app segments' directory should be: the segment cannot be created.
        Files.createDirectories(FileNames.walDir(dataDir, Kind.APP).getParent());
        Files.writeString(FileNames.walDir(dataDir, Kind.APP), "in the way");
        List<LogEvent> mixed = new ArrayList<>(Events.batch(1, 2, Kind.APP, "app"));
        mixed.addAll(Events.batch(3, 2, Kind.WORK, "work"));
        mixed.addAll(Events.batch(5, 2, Kind.BUILD, "build"));
        try (WriteAheadLog wal = start(WalDurability.FSYNC, 16 << 20)) {
            assertThrows(WalException.class, () -> wal.append(Kind.APP, mixed));
        }
        assertEquals(List.of(), durable, "nothing reached the head");
        Files.delete(FileNames.walDir(dataDir, Kind.APP));
        assertEquals(List.of(), replayed(), "nothing of any kind is replayed");
    }

    @Test
    void aMixedKindBatchIsOneRecordReplayedWhole() throws IOException {
        List<LogEvent> mixed = new ArrayList<>(Events.batch(1, 2, Kind.APP, "app"));
        mixed.addAll(Events.batch(3, 2, Kind.WORK, "work"));
        try (WriteAheadLog wal = start(WalDurability.FSYNC, 16 << 20)) {
            wal.append(Kind.APP, mixed);
        }
        assertEquals(mixed, replayed());
        assertFalse(Files.exists(FileNames.walDir(dataDir, Kind.WORK)), "filed under the batch's first kind only");
    }
}
