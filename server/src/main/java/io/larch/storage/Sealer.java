package io.larch.storage;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.part.PartRecord;
import io.larch.part.PartWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals closed WAL segments into parts, oldest first, on its own thread; a backlog of segments of
 * one kind is sealed together into bigger parts. A failed
 * seal (disk full, DuckDB error) is retried with backoff; until it succeeds the segment's events
 * stay in the head and in the WAL, so nothing is lost and queries still see them.
 */
public final class Sealer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sealer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** Most events sealed together: about the size compaction aims for. */
    static final long MAX_EVENTS_PER_SEAL = 200_000;

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
            List<Job> jobs;
            try {
                jobs = nextJobs();
            } catch (InterruptedException e) {
                return;
            }
            try {
                seal(jobs.stream().map(Job::segmentId).toList(), jobs.getFirst().kind());
                backoffMillis = 250;
                synchronized (this) {
                    outstanding -= jobs.size();
                    notifyAll();
                }
            } catch (Exception e) {
                failures.incrementAndGet();
                if (closing) {
                    return;
                }
                LOG.error("sealing wal segments {} failed; their events stay in the WAL and the head, retrying in {} ms",
                        jobs.stream().map(Job::segmentId).toList(), backoffMillis, e);
                for (int i = jobs.size() - 1; i >= 0; i--) {
                    queue.addFirst(jobs.get(i));
                }
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
     * The next segment, and when sealing has fallen behind, the queued segments of the same kind
     * after it, up to {@link #MAX_EVENTS_PER_SEAL} events: sealed together they make bigger parts,
     * which compaction then need not rewrite. Under light load a segment is sealed alone.
     */
    private List<Job> nextJobs() throws InterruptedException {
        Job first = queue.take();
        List<Job> jobs = new java.util.ArrayList<>(List.of(first));
        long events = store.headEvents(first.segmentId()).size();
        while (true) {
            Job next = queue.peekFirst();
            if (next == null || next.kind() != first.kind()) {
                return jobs;
            }
            long more = store.headEvents(next.segmentId()).size();
            if (events + more > MAX_EVENTS_PER_SEAL) {
                return jobs;
            }
            jobs.add(queue.pollFirst());
            events += more;
        }
    }

    /**
     * Seals segments filed under one kind into parts (one per project and kind of the events:
     * a segment may hold other kinds' events too, when a request mixed kinds). Crash points and what start-up does about them:
     * <ol>
     *   <li>while writing part files: only temporary files and unpublished part files exist;
     *       start-up deletes them and seals the segment again (same part names);</li>
     *   <li>after the catalog transaction (parts published + segment recorded as sealed), before
     *       the segment file is deleted: start-up sees the segment recorded as sealed and deletes
     *       it without replaying it, so no event appears twice;</li>
     *   <li>after the delete: nothing left to do.</li>
     * </ol>
     */
    void seal(List<Long> segmentIds, Kind kind) throws Exception {
        long started = System.nanoTime();
        List<LogEvent> events = new ArrayList<>();
        long inFiles = 0;
        for (long segmentId : segmentIds) {
            events.addAll(store.headEvents(segmentId));
            inFiles += segments.eventCount(segmentId, kind);
        }
        // The head holds exactly the segments' events unless a write failed after reaching the
        // disk (reported as failed, yet in the file): then the files win, as a restart would read them.
        if (inFiles != events.size()) {
            LOG.info("wal segments {} hold {} events, the head {}; sealing what the files hold", segmentIds, inFiles,
                    events.size());
            events = new ArrayList<>();
            for (long segmentId : segmentIds) {
                events.addAll(segments.events(segmentId, kind));
            }
        }
        List<PartRecord> parts = events.isEmpty() ? List.of() : writer.writeSealed(events, segmentIds.getFirst());
        store.publishSealed(segmentIds, parts);
        for (long segmentId : segmentIds) {
            segments.delete(segmentId, kind);
        }
        long sealed = parts.stream().mapToLong(PartRecord::rowCount).sum();
        sealedSegments.addAndGet(segmentIds.size());
        sealedEvents.addAndGet(sealed);
        LOG.debug("sealed wal segments {} ({}): {} events into {} parts in {} ms", segmentIds, kind.wireName(),
                sealed, parts.size(), (System.nanoTime() - started) / 1_000_000);
    }

    private record Job(long segmentId, Kind kind) {
    }
}
