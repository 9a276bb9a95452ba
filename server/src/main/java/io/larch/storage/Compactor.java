package io.larch.storage;

import io.larch.datadir.FileNames;
import io.larch.meta.PartRepository;
import io.larch.model.Kind;
import io.larch.part.ArchiveState;
import io.larch.part.PartBlooms;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.part.PartWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges a project's small local parts into larger ones, and deletes the files of replaced (or
 * expired) local parts once no query can still be reading them; parts with archive objects are
 * swept by the lifecycle, which can delete objects. Runs on its own thread every {@link Policy#interval()},
 * and on demand ({@link #compactNow}).
 *
 * <p>Which parts: per project and kind, published parts smaller than half the target size,
 * taken in time order, grouped while the group stays within the target rows and time span.
 *
 * <p>Crash safety, step by step ({@link #merge}):
 * <ol>
 *   <li>the merged part (its inputs' rows in time order) and its blooms are written under temporary names, fsynced and renamed
 *       into place; a crash here leaves files the catalog does not know, which start-up deletes,
 *       and the inputs stay published;</li>
 *   <li>one catalog transaction publishes the merged part and retires the inputs; a crash
 *       before it changes nothing, after it the merged part is the data of record;</li>
 *   <li>retired parts' files are deleted after {@link Policy#retiredGrace()} (running queries
 *       hold snapshots that may still name them), then their rows; at start-up, when no query
 *       runs, at once. A crash between deleting files and rows leaves rows whose files are
 *       gone, which the next sweep forgets.</li>
 * </ol>
 * Queries read an immutable snapshot that holds either the inputs or the merged part.
 */
public final class Compactor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);

    /**
     * @param targetRows    rows a merged part aims for; parts under half of it are "small"
     * @param maxSpanMillis the widest time span a merged part may cover
     * @param interval      how often the background thread looks for work
     * @param retiredGrace  how long replaced files are kept for queries still reading them
     */
    public record Policy(long targetRows, long maxSpanMillis, Duration interval, Duration retiredGrace) {
        public static Policy defaults() {
            return new Policy(250_000, Duration.ofHours(6).toMillis(), Duration.ofSeconds(10), Duration.ofMinutes(5));
        }
    }

    /** Test hooks at the crash points of a merge; they may throw to stop it there. */
    public interface Hooks {
        Hooks NONE = new Hooks() {
        };

        default void afterFilesInstalled(PartRecord merged) {
        }
    }

    private final EventStore store;
    private final PartWriter writer;
    private final PartFiles partFiles;
    private final PartBlooms blooms;
    private final PartRepository parts;
    private final int nodeId;
    private final Clock clock;
    private final Policy policy;
    private final Hooks hooks;
    /** Held while merging or sweeping: one compaction at a time. */
    private final ReentrantLock working = new ReentrantLock();
    private final Thread thread;
    private volatile boolean closing;
    /** Inputs are checked from disk before a merge copies their bytes: a merge must not launder damage. */
    private final PartIntegrity integrity;
    private final AtomicLong merges = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    public Compactor(EventStore store, PartWriter writer, PartFiles partFiles, PartBlooms blooms, PartRepository parts,
                     PartIntegrity integrity, int nodeId, Clock clock, Policy policy, Hooks hooks) {
        this.integrity = integrity;
        this.store = store;
        this.writer = writer;
        this.partFiles = partFiles;
        this.blooms = blooms;
        this.parts = parts;
        this.nodeId = nodeId;
        this.clock = clock;
        this.policy = policy;
        this.hooks = hooks;
        this.thread = Thread.ofPlatform().name("compactor").daemon(true).unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    public long merges() {
        return merges.get();
    }

    public long failures() {
        return failures.get();
    }

    /** Merges until no group of small parts is left; returns how many merges it made. */
    public int compactNow() throws IOException {
        working.lock();
        try {
            int merged = 0;
            for (List<PartRecord> group : groups(store.snapshot().parts())) {
                if (closing) {
                    break;
                }
                if (mergeIfWhole(group)) {
                    merged++;
                }
            }
            return merged;
        } finally {
            working.unlock();
        }
    }

    /** Deletes files of parts retired at least {@code grace} ago, then forgets them. */
    public int sweepRetired(Duration grace) {
        working.lock();
        try {
            int swept = 0;
            for (PartRecord retired : parts.listRetired(nodeId, clock.millis() - grace.toMillis())) {
                try {
                    blooms.forget(retired.name());
                    partFiles.deleteAll(retired);
                    parts.deleteRetired(retired.id());
                    swept++;
                } catch (IOException e) {
                    LOG.warn("could not delete retired part {}: {}", retired.name(), e.getMessage());
                }
            }
            return swept;
        } finally {
            working.unlock();
        }
    }

    /**
     * Parts on their way to the archive (or in it) are past the warm boundary and stay as they
     * are. [several nodes] A shared node uploads every part within seconds, so there its own
     * archived parts that still have their local file are merged too (the merged part is uploaded
     * in turn, the inputs' objects go with them when they are swept); other nodes' parts are theirs.
     */
    private boolean mayMerge(PartRecord part) {
        if (!store.isShared()) {
            return part.archive() == ArchiveState.LOCAL;
        }
        return part.nodeId() == store.nodeId()
                && (part.archive() == ArchiveState.LOCAL || part.archive() == ArchiveState.ARCHIVED);
    }

    /** Groups of small parts to merge, by project and kind, in time order. */
    List<List<PartRecord>> groups(List<PartRecord> published) {
        Map<String, List<PartRecord>> byProjectAndKind = new TreeMap<>();
        for (PartRecord part : published) {
            if (part.rowCount() < policy.targetRows() / 2 && mayMerge(part)) {
                byProjectAndKind.computeIfAbsent(part.projectId() + "/" + part.kind().wireName(), k -> new ArrayList<>()).add(part);
            }
        }
        List<List<PartRecord>> groups = new ArrayList<>();
        for (List<PartRecord> small : byProjectAndKind.values()) {
            small.sort(Comparator.comparingLong(PartRecord::minTs).thenComparingLong(PartRecord::id));
            List<PartRecord> group = new ArrayList<>();
            long rows = 0;
            long groupMin = Long.MAX_VALUE;
            long groupMax = Long.MIN_VALUE;
            for (PartRecord part : small) {
                boolean fits = rows + part.rowCount() <= policy.targetRows()
                        && Math.max(groupMax, part.maxTs()) - Math.min(groupMin, part.minTs()) <= policy.maxSpanMillis();
                if (!group.isEmpty() && !fits) {
                    if (group.size() >= 2) {
                        groups.add(group);
                    }
                    group = new ArrayList<>();
                    rows = 0;
                    groupMin = Long.MAX_VALUE;
                    groupMax = Long.MIN_VALUE;
                }
                group.add(part);
                rows += part.rowCount();
                groupMin = Math.min(groupMin, part.minTs());
                groupMax = Math.max(groupMax, part.maxTs());
            }
            if (group.size() >= 2) {
                groups.add(group);
            }
        }
        return groups;
    }

    /**
     * Merges the group unless one of its inputs fails its check from disk (then that one is
     * quarantined and the others wait for the next round); damaged rollups and bloom filters of
     * the inputs are set aside first, so the merge rebuilds them from the rows. Returns whether it merged.
     */
    private boolean mergeIfWhole(List<PartRecord> group) throws IOException {
        boolean whole = true;
        for (PartRecord input : group) {
            whole &= integrity.wholeForMerge(input);
        }
        if (whole) {
            merge(group);
        }
        return whole;
    }

    /** Merges one group; see the class comment for what a crash at each step leaves. */
    private void merge(List<PartRecord> group) throws IOException {
        long started = System.nanoTime();
        long firstId = group.stream().mapToLong(PartRecord::id).min().orElseThrow();
        long lastId = group.stream().mapToLong(PartRecord::id).max().orElseThrow();
        String name = FileNames.compactedPartName(nodeId, firstId, lastId);
        PartRecord merged;
        try {
            merged = writer.writeMerged(group, name);
        } catch (java.sql.SQLException e) {
            throw new IOException("merging parts into " + name + " failed: " + e.getMessage(), e);
        }
        hooks.afterFilesInstalled(merged);
        store.publishCompacted(group, merged);
        merges.incrementAndGet();
        Kind kind = group.getFirst().kind();
        LOG.debug("merged {} parts ({} events, {}) into {} in {} ms", group.size(), merged.rowCount(), kind.wireName(),
                name, (System.nanoTime() - started) / 1_000_000);
    }

    private void run() {
        while (!closing) {
            try {
                compactNow();
                sweepRetired(policy.retiredGrace());
            } catch (Exception e) {
                failures.incrementAndGet();
                LOG.error("compaction failed; the parts stay as they are and it is tried again later", e);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(policy.interval().toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        thread.interrupt();
        working.lock();
        working.unlock();
    }
}
