package io.larch.datadir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.config.LarchConfig;
import io.larch.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpaceTest {
    private static final long GB = 1L << 30;
    private static final long MB = 1L << 20;

    private final MutableClock clock = MutableClock.at("2026-12-03T10:00:00Z");
    private final AtomicLong free = new AtomicLong(50 * GB);
    private final AtomicInteger probes = new AtomicInteger();
    private final DiskSpace disk = new DiskSpace(() -> {
        probes.incrementAndGet();
        return new DiskSpace.Usage(free.get(), 100 * GB);
    }, total -> GB, clock, Duration.ofSeconds(1));

    @Test
    void aReadingIsKeptForASecondOfTheInjectedClock() {
        assertEquals(50 * GB, disk.reading().usableBytes());
        free.set(10 * MB);
        assertEquals(50 * GB, disk.reading().usableBytes(), "within the second: the kept reading");
        assertEquals(1, probes.get());
        clock.advance(Duration.ofMillis(999));
        assertFalse(disk.reading().belowFloor());
        clock.advance(Duration.ofMillis(1));
        assertTrue(disk.reading().belowFloor(), "a second later: asked again");
        assertEquals(2, probes.get());
        free.set(2 * GB);
        disk.refreshSoon();
        assertFalse(disk.reading().belowFloor(), "refreshSoon: asked at once");
        assertEquals(3, probes.get());
    }

    @Test
    void aFailingProbeIsUnknownAndNeverBelowTheFloor() {
        assertEquals(GB, disk.reading().floorBytes());
        DiskSpace broken = new DiskSpace(() -> {
            throw new IOException("gone");
        }, total -> GB, clock, Duration.ofSeconds(1));
        assertEquals(DiskSpace.UNKNOWN, broken.reading().usableBytes());
        assertFalse(broken.reading().belowFloor());
    }

    @Test
    void floorIsTheSmallerOfSizeAndShare() {
        check(LarchConfig.MinFreeDisk.DEFAULT, 100 * GB, GB);
        check(LarchConfig.MinFreeDisk.DEFAULT, 10 * GB, 512 * MB);
        check(LarchConfig.MinFreeDisk.DEFAULT, 0, 0);
        check(new LarchConfig.MinFreeDisk(200 * MB, -1), 100 * GB, 200 * MB);
        check(new LarchConfig.MinFreeDisk(-1, 10), 100 * GB, 10 * GB);
        check(new LarchConfig.MinFreeDisk(-1, 2.5), 100 * GB, 2560 * MB);
        check(new LarchConfig.MinFreeDisk(0, -1), 100 * GB, 0);
    }

    private static void check(LarchConfig.MinFreeDisk floor, long totalBytes, long expected) {
        assertEquals(expected, floor.floorBytes(totalBytes), floor + " of " + totalBytes);
    }

    @Test
    void theRealProbeReadsTheFileSystem(@TempDir Path dir) throws IOException {
        DiskSpace.Usage usage = DiskSpace.Probe.of(dir).read();
        assertTrue(usage.totalBytes() > 0 && usage.usableBytes() >= 0 && usage.usableBytes() <= usage.totalBytes(),
                usage.toString());
    }
}
