package io.larch.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.config.WalDurability;
import io.larch.datadir.FileNames;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.query.Query;
import io.larch.search.QueryBudget;
import io.larch.testing.Events;
import io.larch.testing.LocalStore;
import io.larch.testing.MutableClock;
import io.larch.wal.WalListener;
import io.larch.wal.WalOptions;
import io.larch.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealerTest {
    @TempDir
    Path dataDir;

    @Test
    void aBacklogOfSegmentsIsSealedTogetherIntoOnePart() throws Exception {
        try (LocalStore local = new LocalStore(dataDir)) {
            Sealer sealer = new Sealer(local.store, local.writer, new WalSegments(dataDir));
            WalOptions options = new WalOptions(dataDir, WalDurability.NONE, Duration.ofMillis(5), 64 * 1024, Duration.ofHours(1));
            int segmentsClosed;
            try (WriteAheadLog wal = WriteAheadLog.start(options, MutableClock.at("2026-11-22T10:00:00Z"), new WalListener() {
                @Override
                public void onDurable(long segmentId, Kind kind, List<LogEvent> events) {
                    local.store.appendToHead(segmentId, kind, events);
                }

                @Override
                public void onSegmentClosed(long segmentId, Kind kind) {
                    sealer.submit(segmentId, kind);
                }
            }, 100)) {
                for (int i = 0; i < 60; i++) {
                    wal.append(Kind.APP, Events.batch(i * 100L + 1, 50, Kind.APP, "a message long enough to fill segments"));
                }
                wal.rotateAll();
                segmentsClosed = walFiles().size();
                assertTrue(segmentsClosed > 3, "segments: " + segmentsClosed);
                sealer.start();
                assertTrue(sealer.awaitIdle(Duration.ofMinutes(1)));
            } finally {
                sealer.close();
            }
            assertEquals(1, local.store.snapshot().parts().size(), "sealed together");
            assertEquals(3000, local.store.snapshot().parts().getFirst().rowCount());
            assertEquals(segmentsClosed, local.parts.sealedSegmentIds(0).size());
            assertEquals(0, local.store.headEventCount());
            assertEquals(List.of(), walFiles());
            assertEquals(3000, local.aggregator.stats(new Query.ProjectIs(1), QueryBudget.unlimited()).total());
        }
    }

    private List<Path> walFiles() throws IOException {
        Path dir = FileNames.walDir(dataDir, Kind.APP);
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
