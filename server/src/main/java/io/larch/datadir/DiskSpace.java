package io.larch.datadir;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The free space of the data dir's file system against the floor ingest keeps
 * ({@code LARCH_MIN_FREE_DISK}). Ingest asks before every batch, so a reading is kept for
 * {@code maxAge} (one second by default): one statvfs a second, not one per request, and a disk
 * freed by an operator (or by sealing, which deletes WAL segments) is seen within that second.
 *
 * <p>A probe that fails (the file system went away, a permission changed) gives an unknown
 * reading, which is never below the floor: refusing all ingest on a broken probe would turn a
 * monitoring glitch into an outage, and a disk that really is full still answers 507 from the
 * WAL's own "no space left on device".
 *
 * <p>Thread-safe: any thread may read; one refreshes at a time, the others use the last reading.
 */
public final class DiskSpace {
    private static final Logger LOG = LoggerFactory.getLogger(DiskSpace.class);
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(1);
    /** {@link Reading#usableBytes} when the probe failed. */
    public static final long UNKNOWN = -1;

    /**
     * Reads the file system's numbers. The real one asks the operating system (statvfs); tests
     * pass their own to play a nearly full disk without root.
     */
    @FunctionalInterface
    public interface Probe {
        /** Throws when the numbers cannot be read. */
        Usage read() throws IOException;

        /** The file system that holds {@code dir} (which must exist). */
        static Probe of(Path dir) throws IOException {
            FileStore store = Files.getFileStore(dir);
            return () -> new Usage(store.getUsableSpace(), store.getTotalSpace());
        }
    }

    /** What the file system reports: bytes an unprivileged process may still write, and its size. */
    public record Usage(long usableBytes, long totalBytes) {
    }

    /**
     * One check: {@code usableBytes} is {@link #UNKNOWN} when the probe failed; {@code floorBytes}
     * is what must stay free (0: no floor).
     */
    public record Reading(long usableBytes, long totalBytes, long floorBytes) {
        public boolean belowFloor() {
            return usableBytes != UNKNOWN && usableBytes < floorBytes;
        }
    }

    private record Cached(Reading reading, long expiresAtMillis) {
    }

    private final Probe probe;
    private final LongUnaryOperator floorOfTotal;
    private final Clock clock;
    private final long maxAgeMillis;
    /** The last reading; replaced under {@code this}, read without a lock. */
    private volatile Cached cached;
    /** Whether the last probe failed, so a failing probe is logged once, not every second. Guarded by {@code this}. */
    private boolean failing;

    /**
     * @param floorOfTotal the floor in bytes for a file system of the given size (a percentage
     *                     floor depends on it)
     */
    public DiskSpace(Probe probe, LongUnaryOperator floorOfTotal, Clock clock, Duration maxAge) {
        this.probe = probe;
        this.floorOfTotal = floorOfTotal;
        this.clock = clock;
        this.maxAgeMillis = maxAge.toMillis();
    }

    /** The latest reading, at most {@code maxAge} old. */
    public Reading reading() {
        Cached current = cached;
        long now = clock.millis();
        if (current != null && now < current.expiresAtMillis) {
            return current.reading;
        }
        synchronized (this) {
            current = cached;
            if (current != null && now < current.expiresAtMillis) {
                return current.reading;
            }
            Reading fresh = probe();
            cached = new Cached(fresh, now + maxAgeMillis);
            return fresh;
        }
    }

    /** Forgets the kept reading: the next {@link #reading} asks the file system (after a write failed for space). */
    public void refreshSoon() {
        cached = null;
    }

    private Reading probe() {
        try {
            Usage usage = probe.read();
            if (failing) {
                failing = false;
                LOG.info("the data dir's free space can be read again: {} bytes free", usage.usableBytes());
            }
            return new Reading(usage.usableBytes(), usage.totalBytes(), floorOfTotal.applyAsLong(usage.totalBytes()));
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                failing = true;
                LOG.warn("cannot read the data dir's free space ({}); ingest goes on without the LARCH_MIN_FREE_DISK check",
                        e.getMessage());
            }
            Reading last = cached == null ? null : cached.reading;
            return new Reading(UNKNOWN, last == null ? UNKNOWN : last.totalBytes(), last == null ? 0 : last.floorBytes());
        }
    }
}
