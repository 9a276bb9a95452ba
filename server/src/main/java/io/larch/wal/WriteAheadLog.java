package io.larch.wal;

import io.larch.config.WalDurability;
import io.larch.datadir.FileNames;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log: one active segment per kind, group commit, rotation by size and age. A
 * segment's kind says where a batch is filed (its first event's kind); a batch that mixes kinds
 * is still one record in one segment, so it is atomic.
 *
 * <p>Threading: any thread may call {@link #append}; it encodes its batch on its own thread, then
 * hands it to the single writer thread and blocks until the batch is durable. The writer takes
 * everything queued, writes it, fsyncs each touched segment once, tells the {@link WalListener},
 * and only then releases the callers. Requests that arrive during an fsync form the next group.
 *
 * <p>Crash safety: a batch is acknowledged only after the fsync that covers it (modes
 * {@code fsync} and {@code batch}). A crash mid-write leaves a torn last record, which replay
 * detects by length and CRC32C and cuts. A new segment file is fsynced together with its
 * directory before any record goes into it. After a restart, writing always starts in new
 * segments; old ones are only read (replay) and deleted once sealed.
 */
public final class WriteAheadLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);
    private static final long AGE_CHECK_MILLIS = 1000;

    private final WalOptions options;
    private final Clock clock;
    private final WalListener listener;
    private final AtomicLong nextSegmentId;
    private final Thread writerThread;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workArrived = lock.newCondition();
    /** Batches waiting for the writer. Guarded by {@link #lock}. */
    private List<Pending> queue = new ArrayList<>();
    /** Rotation requests waiting for the writer. Guarded by {@link #lock}. */
    private List<CompletableFuture<Void>> rotationRequests = new ArrayList<>();
    /** Guarded by {@link #lock}. */
    private boolean closing;
    /**
     * What stopped the writer thread (an {@link Error} such as OutOfMemoryError), or null while
     * it runs. Once set, every append fails at once instead of waiting for a writer that is gone.
     */
    private volatile Throwable writerFailure;

    /** Active segments; touched only by the writer thread. */
    private final Map<Kind, SegmentWriter> active = new EnumMap<>(Kind.class);
    /** Writer thread only. */
    private long lastSyncMillis;

    private final AtomicLong fsyncs = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    /** Segments closed (by size, age or a request), by the ordinal of their kind; written by the writer thread only. */
    private final AtomicLongArray rotationCounts = new AtomicLongArray(Kind.values().length);

    private WriteAheadLog(WalOptions options, Clock clock, WalListener listener, long firstSegmentId) {
        this.options = options;
        this.clock = clock;
        this.listener = listener;
        this.nextSegmentId = new AtomicLong(firstSegmentId);
        this.writerThread = Thread.ofPlatform().name("wal-writer").daemon(false).unstarted(this::runWriter);
    }

    /**
     * Starts the WAL. {@code firstSegmentId} must be above every segment id used before (see
     * {@link WalRecovery}).
     */
    public static WriteAheadLog start(WalOptions options, Clock clock, WalListener listener, long firstSegmentId) {
        WriteAheadLog wal = new WriteAheadLog(options, clock, listener, firstSegmentId);
        wal.writerThread.start();
        return wal;
    }

    /**
     * Appends one batch as one record to the active segment of {@code segmentKind} and returns
     * once it is durable (per the configured durability) and the listener has seen it. The
     * events may be of any kinds (one request's batch): one record is all there or not at all
     * after a crash, as replay cuts a torn record. Throws {@link WalException} when it could not
     * be written; the batch is then not acknowledged.
     */
    public void append(Kind kind, List<LogEvent> events) {
        byte[] payload = BinaryEventCodec.encode(events);
        Pending pending = new Pending(kind, events, payload, new CompletableFuture<>());
        lock.lock();
        try {
            if (writerFailure != null) {
                throw writerStopped();
            }
            if (closing) {
                throw new WalException("the write-ahead log is shutting down", null);
            }
            queue.add(pending);
            workArrived.signal();
        } finally {
            lock.unlock();
        }
        await(pending.done);
    }

    /** Closes every non-empty active segment (so it can be sealed) and returns when that is done. */
    public void rotateAll() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        lock.lock();
        try {
            if (writerFailure != null) {
                throw writerStopped();
            }
            if (closing) {
                return;
            }
            rotationRequests.add(done);
            workArrived.signal();
        } finally {
            lock.unlock();
        }
        await(done);
    }

    /** Whether the writer runs: false once an {@link Error} stopped it (then Larch must be restarted). */
    public boolean isWriting() {
        return writerFailure == null && writerThread.isAlive();
    }

    private WalException writerStopped() {
        return new WalException("the write-ahead log writer stopped after an internal error ("
                + writerFailure + "); nothing more can be stored until Larch is restarted", writerFailure);
    }

    public long fsyncCount() {
        return fsyncs.get();
    }

    public long bytesWritten() {
        return bytesWritten.get();
    }

    /** Active segments of {@code kind} closed since start (by size, by age, or by {@link #rotateAll}). */
    public long rotations(Kind kind) {
        return rotationCounts.get(kind.ordinal());
    }

    /** Stops accepting batches, writes and fsyncs what is queued, closes the files. Segments stay for replay. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            workArrived.signal();
        } finally {
            lock.unlock();
        }
        try {
            writerThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CompletableFuture<Void> future) {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WalException("interrupted while waiting for the write-ahead log", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WalException walException) {
                throw walException;
            }
            throw new WalException("write-ahead log failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * The writer thread. A {@link RuntimeException} fails its group and the writer goes on; an
     * {@link Error} (out of memory, a stack overflow) may have left anything half done, so it (or
     * an interrupt of the writer thread, which nothing in Larch does) stops the writer: the group in hand, everything queued and every later append fail with a
     * {@link WalException} (503 to clients), and {@link #isWriting} turns false (readiness fails).
     */
    private void runWriter() {
        try {
            writeUntilClosed();
        } catch (Error | InterruptedException fatal) {
            LOG.error("the wal writer stopped; ingest answers 503 until Larch is restarted", fatal);
            List<Pending> queued;
            List<CompletableFuture<Void>> rotations;
            lock.lock();
            try {
                writerFailure = fatal;
                queued = queue;
                queue = new ArrayList<>();
                rotations = rotationRequests;
                rotationRequests = new ArrayList<>();
            } finally {
                lock.unlock();
            }
            queued.forEach(p -> p.done.completeExceptionally(writerStopped()));
            rotations.forEach(r -> r.completeExceptionally(writerStopped()));
            closeActive();
        }
    }

    /** Writes one group, then tells the listener and releases the callers whose batches are durable. */
    private void writeAndRelease(List<Pending> group, List<CompletableFuture<Void>> rotations) {
        List<SegmentWriter> closed = new ArrayList<>();
        List<Pending> durable = List.of();
        try {
            rotateAged(closed);
            durable = writeGroup(group, closed);
            if (!rotations.isEmpty()) {
                rotateAllActive(closed);
            }
        } catch (RuntimeException e) {
            LOG.error("wal writer failed unexpectedly", e);
            group.forEach(p -> p.done.completeExceptionally(new WalException("write-ahead log failed", e)));
        }
        notifyClosed(closed);
        durable.forEach(p -> p.done.complete(null));
        rotations.forEach(r -> r.complete(null));
    }

    private void writeUntilClosed() throws InterruptedException {
        while (true) {
            List<Pending> group;
            List<CompletableFuture<Void>> rotations;
            boolean stop;
            lock.lock();
            try {
                if (queue.isEmpty() && rotationRequests.isEmpty() && !closing) {
                    workArrived.await(AGE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                }
                waitForBatchInterval();
                group = queue;
                queue = new ArrayList<>();
                rotations = rotationRequests;
                rotationRequests = new ArrayList<>();
                stop = closing;
            } finally {
                lock.unlock();
            }
            try {
                writeAndRelease(group, rotations);
            } catch (Error fatal) {
                // Completing a future twice is a no-op: the ones already released stay released.
                WalException failed = new WalException("the write-ahead log writer stopped after an internal error ("
                        + fatal + "); nothing more can be stored until Larch is restarted", fatal);
                group.forEach(p -> p.done.completeExceptionally(failed));
                rotations.forEach(r -> r.completeExceptionally(failed));
                throw fatal;
            }
            if (stop) {
                closeActive();
                return;
            }
        }
    }

    /** In batch mode, lets requests accumulate until the interval since the last fsync has passed. Holds the lock. */
    private void waitForBatchInterval() throws InterruptedException {
        if (options.durability() != WalDurability.BATCH || queue.isEmpty() || closing) {
            return;
        }
        long waitMillis = lastSyncMillis + options.batchInterval().toMillis() - clock.millis();
        if (waitMillis > 0) {
            workArrived.await(waitMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Writes and syncs a group; returns the batches now durable (already passed to the listener). */
    private List<Pending> writeGroup(List<Pending> group, List<SegmentWriter> closed) {
        List<Pending> durable = new ArrayList<>(group.size());
        if (group.isEmpty()) {
            return durable;
        }
        Map<SegmentWriter, IOException> failed = new HashMap<>();
        Set<SegmentWriter> touched = new LinkedHashSet<>();
        for (Pending pending : group) {
            try {
                SegmentWriter segment = segmentFor(pending.kind, pending.payload.length, closed, failed);
                pending.segment = segment;
                touched.add(segment);
                long before = segment.size();
                segment.write(List.of(SegmentFormat.recordHeader(pending.payload), ByteBuffer.wrap(pending.payload)));
                bytesWritten.addAndGet(segment.size() - before);
            } catch (IOException e) {
                if (pending.segment != null) {
                    markBroken(pending.segment, e, failed, closed);
                } else {
                    pending.done.completeExceptionally(failure("could not open a WAL segment", e));
                }
            }
        }
        if (options.durability() != WalDurability.NONE) {
            for (SegmentWriter segment : touched) {
                if (!failed.containsKey(segment) && active.get(segment.kind) == segment) {
                    try {
                        segment.force();
                        fsyncs.incrementAndGet();
                    } catch (IOException e) {
                        markBroken(segment, e, failed, closed);
                    }
                }
            }
        }
        lastSyncMillis = clock.millis();
        for (Pending pending : group) {
            if (pending.segment == null) {
                continue;
            }
            IOException error = failed.get(pending.segment);
            if (error != null) {
                pending.done.completeExceptionally(failure("could not write the WAL", error));
                continue;
            }
            try {
                listener.onDurable(pending.segment.id, pending.kind, pending.events);
            } catch (RuntimeException e) {
                LOG.error("wal listener failed for a durable batch; it will be visible after sealing", e);
            }
            durable.add(pending);
        }
        return durable;
    }

    /**
     * After a failed write or fsync a file's state is unknown, so nothing is appended to it again.
     * Every batch written to it in this group is reported as failed. The segment is handed on as
     * closed, so the batches acknowledged before the failure get sealed; a failed batch that did
     * reach the disk may be sealed too (it was reported as failed, so a client retry can duplicate
     * it, but nothing acknowledged is lost).
     */
    private void markBroken(SegmentWriter segment, IOException error, Map<SegmentWriter, IOException> failed,
                            List<SegmentWriter> closed) {
        failed.putIfAbsent(segment, error);
        if (active.remove(segment.kind, segment)) {
            closeQuietly(segment);
            closed.add(segment);
            LOG.error("wal segment {} failed and was set aside: {}", segment.path, error.getMessage());
        }
    }

    /** The active segment of {@code kind}, rotated first if this payload would push it over the size limit. */
    private SegmentWriter segmentFor(Kind kind, int payloadLength, List<SegmentWriter> closed,
                                     Map<SegmentWriter, IOException> failed) throws IOException {
        SegmentWriter segment = active.get(kind);
        if (segment != null && !segment.isEmpty()
                && segment.size() + SegmentFormat.RECORD_HEADER_BYTES + payloadLength > options.segmentMaxBytes()) {
            try {
                rotate(segment, closed);
            } catch (IOException e) {
                markBroken(segment, e, failed, closed);
            }
            segment = null;
        }
        if (segment == null) {
            long id = nextSegmentId.getAndIncrement();
            segment = SegmentWriter.create(id, kind,
                    FileNames.segmentFile(options.dataDir(), kind, id), clock.millis());
            active.put(kind, segment);
        }
        return segment;
    }

    private void rotateAged(List<SegmentWriter> closed) {
        long now = clock.millis();
        for (SegmentWriter segment : List.copyOf(active.values())) {
            if (!segment.isEmpty() && now - segment.createdAtMillis >= options.segmentMaxAge().toMillis()) {
                rotateQuietly(segment, closed);
            }
        }
    }

    private void rotateAllActive(List<SegmentWriter> closed) {
        for (SegmentWriter segment : List.copyOf(active.values())) {
            if (!segment.isEmpty()) {
                rotateQuietly(segment, closed);
            }
        }
    }

    private void rotateQuietly(SegmentWriter segment, List<SegmentWriter> closed) {
        try {
            rotate(segment, closed);
        } catch (IOException e) {
            LOG.error("could not fsync wal segment {} while closing it; sealing what it holds", segment.path, e);
            closed.add(segment);
        }
    }

    private void rotate(SegmentWriter segment, List<SegmentWriter> closed) throws IOException {
        active.remove(segment.kind, segment);
        rotationCounts.incrementAndGet(segment.kind.ordinal());
        segment.close();
        closed.add(segment);
    }

    /** Called after the group's onDurable calls, so the listener has seen every record of each closed segment. */
    private void notifyClosed(List<SegmentWriter> closed) {
        for (SegmentWriter segment : closed) {
            try {
                listener.onSegmentClosed(segment.id, segment.kind);
            } catch (RuntimeException e) {
                LOG.error("wal listener failed on closed segment {}", segment.id, e);
            }
        }
    }

    private void closeActive() {
        for (SegmentWriter segment : active.values()) {
            closeQuietly(segment);
        }
        active.clear();
    }

    private static void closeQuietly(SegmentWriter segment) {
        try {
            segment.close();
        } catch (IOException e) {
            LOG.warn("could not close wal segment {}: {}", segment.path, e.getMessage());
        }
    }

    private static WalException failure(String what, IOException e) {
        String reason = WalException.isDiskFullMessage(e.getMessage()) ? "the disk is full" : e.getMessage();
        return new WalException(what + ": " + reason, e);
    }

    private static final class Pending {
        final Kind kind;
        final List<LogEvent> events;
        final byte[] payload;
        final CompletableFuture<Void> done;
        /** The segment the batch went into; set by the writer thread. */
        SegmentWriter segment;

        Pending(Kind kind, List<LogEvent> events, byte[] payload, CompletableFuture<Void> done) {
            this.kind = kind;
            this.events = events;
            this.payload = payload;
            this.done = done;
        }
    }
}
