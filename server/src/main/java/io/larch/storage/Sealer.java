package io.larch.storage;

import io.larch.meta.PartRecord;
import io.larch.model.Kind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals closed WAL segments into parts, one at a time, oldest first, on its own thread. A failed
 * seal (disk full, DuckDB error) is retried with backoff; until it succeeds the segment's events
 * stay in the head and in the WAL, so nothing is lost and queries still see them.
 */
public final class Sealer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sealer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final EventStore store;
    private final PartWriter writer;
    private final SegmentSource segments;
    private final LinkedBlockingDeque<Job> queue = new LinkedBlockingDeque<>();
    private final Thread thread;
    /** Segments submitted and not yet sealed; guarded by {@code this}. */
    private int outstanding;
    private volatile boolean closing;

    private final AtomicLong sealedSegments = new AtomicLong();
    private final AtomicLong sealedEvents = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    public Sealer(EventStore store, PartWriter writer, SegmentSource segments) {
        this.store = store;
        this.writer = writer;
        this.segments = segments;
        this.thread = Thread.ofPlatform().name("sealer").unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    /** Queues a closed segment for sealing. */
    public void submit(long segmentId, Kind kind) {
        synchronized (this) {
            outstanding++;
        }
        queue.add(new Job(segmentId, kind));
    }

    /** Waits until every submitted segment is sealed; false on timeout. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (outstanding > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
        return true;
    }

    public long sealedSegments() {
        return sealedSegments.get();
    }

    public long sealedEvents() {
        return sealedEvents.get();
    }

    public long failures() {
        return failures.get();
    }

    /** Stops after the seal in progress; queued segments are sealed after the next start. */
    @Override
    public void close() {
        closing = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.MINUTES.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long backoffMillis = 250;
        while (!closing) {
            Job job;
            try {
                job = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                seal(job.segmentId, job.kind);
                backoffMillis = 250;
                synchronized (this) {
                    outstanding--;
                    notifyAll();
                }
            } catch (Exception e) {
                failures.incrementAndGet();
                if (closing) {
                    return;
                }
                LOG.error("sealing wal segment {} failed; its events stay in the WAL and the head, retrying in {} ms",
                        job.segmentId, backoffMillis, e);
                queue.addFirst(job);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    /**
     * Seals one segment. Crash points and what start-up does about them:
     * <ol>
     *   <li>while writing part files: only temporary files and unpublished part files exist;
     *       start-up deletes them and seals the segment again (same part names);</li>
     *   <li>after the catalog transaction (parts published + segment recorded as sealed), before
     *       the segment file is deleted: start-up sees the segment recorded as sealed and deletes
     *       it without replaying it, so no event appears twice;</li>
     *   <li>after the delete: nothing left to do.</li>
     * </ol>
     */
    void seal(long segmentId, Kind kind) throws Exception {
        long started = System.nanoTime();
        byte[] payloads = segments.readPayloads(segmentId, kind);
        List<PartRecord> parts = payloads.length == 0 ? List.of()
                : writer.writeSealed(payloads, segmentId, kind, store.headEvents(segmentId));
        store.publishSealed(segmentId, parts);
        segments.delete(segmentId, kind);
        long events = parts.stream().mapToLong(PartRecord::rowCount).sum();
        sealedSegments.incrementAndGet();
        sealedEvents.addAndGet(events);
        LOG.debug("sealed wal segment {} ({}): {} events into {} parts in {} ms", segmentId, kind.wireName(),
                events, parts.size(), (System.nanoTime() - started) / 1_000_000);
    }

    private record Job(long segmentId, Kind kind) {
    }
}
