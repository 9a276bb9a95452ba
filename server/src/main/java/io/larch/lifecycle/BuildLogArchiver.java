package io.larch.lifecycle;

import io.larch.datadir.FileNames;
import io.larch.meta.BuildLogRecord;
import io.larch.meta.BuildLogRepository;
import io.larch.meta.ErasedBuild;
import io.larch.model.BuildOutcome;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.objectstore.Digests;
import io.larch.objectstore.ObjectStore;
import io.larch.objectstore.ObjectStoreUnavailableException;
import io.larch.objectstore.StoredObject;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each finished build's lines as one object, {@code builds/{projectId}/{buildId}.ndjson.gz}
 * (gzip of exactly what the NDJSON route answers), so that fetching a build's log is one GET.
 *
 * <p>A build ends with an event of kind {@code build} whose {@code status} is one of
 * {@link BuildOutcome#END_STATUSES} (case-insensitive; the normaliser keeps statuses as sent). Every end
 * event (re)writes the object from the store, so a retried build that ends again replaces it.
 *
 * <p>Threading: {@link #offer} runs on the ingest path, inside the stored-order lock that releases
 * batches in id order: it looks at each event once, queues at most the builds that ended, and
 * never blocks. One worker thread ({@link #start}) writes objects one at a time. A full queue
 * counts a drop ({@link #dropped}); that build's object is written at its next end event, and
 * until then the routes build its download from the store (they never depend on the object).
 * Lines that arrive after the end event do not rewrite the object by themselves; the routes see
 * that it no longer covers the build's newest line and read the store instead, until the next
 * end event rewrites it.
 *
 * <p>Writing one build's object, and what a crash at each step leaves:
 * <ol>
 *   <li>Read the build's lines in id order ({@link BuildLogReader}) and write them gzipped to a
 *       temporary file in the data dir's {@code tmp/}. If a quarantined part could hold lines of
 *       the build, nothing is written ({@link #incomplete}): an object is never passed off as
 *       whole. Crash: the temporary file is removed at the next start; nothing is recorded.</li>
 *   <li>{@link ObjectStore#put} it with its MD5 (idempotent, so a retry is a no-op or a whole
 *       replacement). Crash: the object may be there unrecorded (or newer than its record, whose
 *       {@code maxEventId} then lies below lines the store holds, so routes read the store); the
 *       next end event puts it again.</li>
 *   <li>Record key, lines, newest event id covered, size, MD5 and time in
 *       {@link BuildLogRepository}. The record is written after the object, so a record never
 *       names an object that is not whole.</li>
 * </ol>
 * An unavailable store ({@link ObjectStoreUnavailableException}, after the store's own retries)
 * is retried with doubling backoff up to {@link Options#maxAttempts} times; other failures are
 * counted ({@link #failed}) and logged, and the build waits for its next end event.
 */
public final class BuildLogArchiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BuildLogArchiver.class);
    /** Where the worker looks again for a stop request while idle. */
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /**
     * Limits and timings.
     *
     * @param queueCapacity builds waiting to be written, at most; beyond it an end event is a counted drop
     * @param maxLines      lines in one object, at most (the routes' limit too); a longer build's
     *                      object holds its first lines only, and the routes read the store for it
     * @param pageLines     lines read from the store at once
     * @param firstRetry    the wait before the first retry of an unavailable store, doubling each time
     * @param maxRetry      the longest wait between retries
     * @param maxAttempts   tries of one build while the store is unavailable, at most
     */
    public record Options(int queueCapacity, int maxLines, int pageLines, Duration firstRetry, Duration maxRetry,
                          int maxAttempts) {
        public static final Options DEFAULTS = new Options(1024, 1_000_000, 5_000, Duration.ofSeconds(1),
                Duration.ofMinutes(2), 10);
    }

    /** One build: ids are unique per project only. */
    private record BuildKey(long projectId, String buildId) {
    }

    /** A build to try again once {@code dueNanos} has passed. */
    private record Retry(BuildKey build, int attempt, long dueNanos) {
    }

    private enum Outcome { WRITTEN, EMPTY, INCOMPLETE }

    private final ObjectStore store;
    private final BuildLogRepository records;
    private final BuildLogReader reader;
    private final EventLineEncoder encoder;
    private final Path tmpDir;
    private final Clock clock;
    private final Options options;
    /** Builds waiting for the worker; offered without blocking. */
    private final ArrayBlockingQueue<BuildKey> queue;
    /** Builds queued or waiting for a retry, so a build that ends twice before it is written is queued once. */
    private final Set<BuildKey> pending = ConcurrentHashMap.newKeySet();
    /** Builds to retry, soonest first. Worker thread only. */
    private final PriorityQueue<Retry> retries = new PriorityQueue<>(Comparator.comparingLong(Retry::dueNanos));
    private final Thread worker;
    /** Held while one object is read and written: by the worker, or by {@link #rewriteErased}'s caller. */
    private final ReentrantLock writing = new ReentrantLock();
    private volatile boolean stopping;
    /** True while the worker writes an object or has retries waiting; for {@link #awaitIdle}. */
    private volatile boolean busy;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong incomplete = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();

    /**
     * @param reader  reads a build's lines in id order (wired to search by {@code app})
     * @param encoder writes lines as the NDJSON route does
     * @param tmpDir  where objects are written before upload: the data dir's {@code tmp/}, emptied at start
     */
    public BuildLogArchiver(ObjectStore store, BuildLogRepository records, BuildLogReader reader,
                            EventLineEncoder encoder, Path tmpDir, Clock clock, Options options) {
        this.store = store;
        this.records = records;
        this.reader = reader;
        this.encoder = encoder;
        this.tmpDir = tmpDir;
        this.clock = clock;
        this.options = options;
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        this.worker = Thread.ofPlatform().name("larch-build-logs").daemon(true).unstarted(this::work);
    }

    /** Its limits (the routes keep to the same line limit). */
    public Options options() {
        return options;
    }

    /** The object key of a build's log. */
    public static String objectKey(long projectId, String buildId) {
        // Build ids are unique per project only, hence the project in the key.
        return "builds/" + projectId + "/" + keySafe(buildId) + ".ndjson.gz";
    }

    /** True for the event that ends a build: kind build, a build id, an end status. */
    public static boolean endsBuild(LogEvent event) {
        return event.kind() == Kind.BUILD && BuildOutcome.of(event) != null;
    }

    /** Starts the worker. */
    public void start() {
        worker.start();
    }

    /**
     * Queues the builds that {@code storedBatch} ends. Called with batches that are stored and
     * released in id order; O(batch), never blocks, never throws for a full queue (it counts a
     * drop). Ignored once {@link #close} began.
     */
    public void offer(List<LogEvent> storedBatch) {
        if (stopping) {
            return;
        }
        for (LogEvent event : storedBatch) {
            if (!endsBuild(event)) {
                continue;
            }
            BuildKey build = new BuildKey(event.projectId(), event.buildId());
            // Already queued: the write reads every line stored before it starts, this one included.
            if (pending.add(build) && !queue.offer(build)) {
                pending.remove(build);
                dropped.incrementAndGet();
            }
        }
    }

    /** What is recorded for a build's object, or empty when none was written. */
    public Optional<BuildLogRecord> archived(long projectId, String buildId) {
        return records.find(projectId, buildId);
    }

    /** Downloads the object of {@code record} into {@code target} (see {@link ObjectStore#get}). */
    public void fetch(BuildLogRecord record, Path target) {
        store.get(record.objectKey(), target);
    }

    /**
     * Writes the objects of {@code builds} again after an erasure removed lines from them, on the
     * calling thread. Writes are serialized with the worker's ({@link #writing}), so a write that
     * read the store before the erasure cannot land after this one. A build left with no line, or
     * one that a quarantined part could hold lines of, loses its object and record instead (the
     * routes then read the store): an object still holding erased lines is never kept.
     *
     * @throws UncheckedIOException when the disk failed, and {@link io.larch.objectstore.ObjectStoreException}
     *                              when the store failed: the erasure must be tried again
     */
    public void rewriteErased(List<ErasedBuild> builds) {
        for (ErasedBuild erased : builds) {
            BuildKey build = new BuildKey(erased.projectId(), erased.buildId());
            try {
                Outcome outcome = write(build);
                if (outcome != Outcome.WRITTEN && records.find(build.projectId(), build.buildId()).isPresent()) {
                    store.delete(objectKey(build.projectId(), build.buildId()));
                    records.delete(build.projectId(), build.buildId());
                }
                LOG.info("the log of build {} (project {}) was {} after an erasure", build.buildId(), build.projectId(),
                        outcome == Outcome.WRITTEN ? "written again" : "deleted");
            } catch (IOException e) {
                throw new UncheckedIOException("writing the log of build " + build.buildId() + " again failed", e);
            }
        }
    }

    /** Waits until nothing is queued, being written or waiting for a retry; false on timeout. For tests. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!queue.isEmpty() || busy || !pending.isEmpty()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Objects written since start. */
    public long written() {
        return written.get();
    }

    /** End events not queued because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Builds whose object could not be written (after the retries, or for another fault). */
    public long failed() {
        return failed.get();
    }

    /** Builds not written because a quarantined part could hold some of their lines. */
    public long incomplete() {
        return incomplete.get();
    }

    /** Retries after the store was unavailable. */
    public long retried() {
        return retried.get();
    }

    /** Builds waiting in the queue. */
    public int queued() {
        return queue.size();
    }

    /**
     * Stops the worker after the object it is writing; builds still queued are not written now
     * (logged): their objects are written at their next end event, and the routes read the
     * store for them meanwhile. Call before the store, the metadata and the reader close.
     */
    @Override
    public void close() {
        stopping = true;
        if (worker.isAlive()) {
            try {
                worker.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int left = queue.size() + retries.size();
        if (left > 0) {
            LOG.info("{} build logs were not archived before stopping; they are written at their build's next end", left);
        }
    }

    private void work() {
        while (!stopping) {
            try {
                Retry due = retries.peek();
                long waitNanos = due == null ? IDLE_POLL_NANOS
                        : Math.min(IDLE_POLL_NANOS, Math.max(0, due.dueNanos() - System.nanoTime()));
                BuildKey next = queue.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (next != null) {
                    busy = true;
                    attempt(next, 1);
                } else if (due != null && due.dueNanos() <= System.nanoTime()) {
                    retries.poll();
                    attempt(due.build(), due.attempt());
                }
                busy = !retries.isEmpty();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The worker must outlive any one build.
                LOG.warn("the build-log worker failed: {}", e.toString());
            }
        }
    }

    /** Writes {@code build}'s object; schedules a retry when the store is unavailable. */
    private void attempt(BuildKey build, int attempt) {
        // Out of pending before reading: an end event stored from now on queues the build again.
        pending.remove(build);
        try {
            Outcome outcome = write(build);
            switch (outcome) {
                case WRITTEN -> written.incrementAndGet();
                case INCOMPLETE -> {
                    incomplete.incrementAndGet();
                    LOG.warn("the log of build {} (project {}) was not archived: a quarantined part could hold some"
                            + " of its lines (see larch verify)", build.buildId(), build.projectId());
                }
                case EMPTY -> { }
            }
        } catch (ObjectStoreUnavailableException e) {
            retryLater(build, attempt, e);
        } catch (IOException | RuntimeException e) {
            failed.incrementAndGet();
            LOG.warn("cannot archive the log of build {} (project {}); it is written at its next end: {}",
                    build.buildId(), build.projectId(), e.getMessage());
        }
    }

    private void retryLater(BuildKey build, int attempt, ObjectStoreUnavailableException e) {
        if (attempt >= options.maxAttempts() || retries.size() >= options.queueCapacity()) {
            failed.incrementAndGet();
            LOG.warn("giving up archiving the log of build {} (project {}) after {} tries; it is written at its"
                    + " next end: {}", build.buildId(), build.projectId(), attempt, e.getMessage());
            return;
        }
        if (!pending.add(build)) {
            return; // ended again meanwhile and queued: that write covers this one
        }
        long waitNanos = Math.min(options.maxRetry().toNanos(), options.firstRetry().toNanos() << Math.min(attempt - 1, 20));
        retried.incrementAndGet();
        retries.add(new Retry(build, attempt + 1, System.nanoTime() + waitNanos));
        LOG.info("the archive is unavailable; the log of build {} is tried again in {} ms: {}", build.buildId(),
                TimeUnit.NANOSECONDS.toMillis(waitNanos), e.getMessage());
    }

    /** Steps 1-3 of the class comment, one build at a time ({@link #writing}). */
    private Outcome write(BuildKey build) throws IOException {
        writing.lock();
        try {
            return writeLocked(build);
        } finally {
            writing.unlock();
        }
    }

    private Outcome writeLocked(BuildKey build) throws IOException {
        Path tmp = Files.createTempFile(tmpDir, "build-log-", FileNames.TMP_SUFFIX);
        try {
            long lines = 0;
            long maxEventId = 0;
            try (OutputStream out = new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16),
                    1 << 16)) {
                boolean more = true;
                while (more && lines < options.maxLines()) {
                    int limit = (int) Math.min(options.pageLines(), options.maxLines() - lines);
                    BuildLogReader.Page page = reader.after(build.projectId(), build.buildId(), maxEventId, limit);
                    if (page.partsSkipped() > 0) {
                        return Outcome.INCOMPLETE;
                    }
                    if (page.events().isEmpty()) {
                        break;
                    }
                    encoder.write(page.events(), out);
                    lines += page.events().size();
                    maxEventId = page.events().getLast().id();
                    more = page.more();
                }
            }
            if (lines == 0) {
                return Outcome.EMPTY;
            }
            StoredObject stored = store.put(objectKey(build.projectId(), build.buildId()), tmp, Digests.md5(tmp));
            records.put(new BuildLogRecord(build.projectId(), build.buildId(), stored.key(), lines, maxEventId,
                    stored.sizeBytes(), stored.md5Hex(), clock.millis()));
            return Outcome.WRITTEN;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * {@code buildId} as one key segment: letters, digits, {@code . _ -} kept, every other byte of
     * its UTF-8 as {@code %XX} (so {@code /} cannot nest and distinct ids stay distinct keys).
     */
    static String keySafe(String buildId) {
        StringBuilder safe = new StringBuilder(buildId.length());
        for (byte b : buildId.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-') {
                safe.append(c);
            } else {
                safe.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return safe.toString();
    }
}
