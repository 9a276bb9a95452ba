package io.larch.lifecycle;

import io.larch.meta.PartRepository;
import io.larch.objectstore.ObjectNotFoundException;
import io.larch.objectstore.ObjectStore;
import io.larch.objectstore.ObjectStoreException;
import io.larch.part.ArchiveState;
import io.larch.part.PartBlooms;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.part.PartState;
import io.larch.storage.Engine;
import io.larch.storage.EventStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * [several nodes] One node's view of a part catalog it shares with other nodes (PostgreSQL
 * metadata, one archive). Every refresh:
 * <ol>
 *   <li>uploads this node's new parts to the archive at once (the other nodes read them there);</li>
 *   <li>adopts the other nodes' parts that are in the archive: their sidecars (bloom, postings,
 *       rollup) are downloaded beside this node's own, so queries prune by them before any Parquet
 *       is fetched, and the part joins the snapshot as archive-only (its Parquet file comes through
 *       the archive cache when a query reads it, checked against its checksum);</li>
 *   <li>drops the other nodes' parts they retired (compaction, retention, erase), and this node's
 *       own parts that another node retired (retention and erase run on any node), so no node
 *       serves events the catalog no longer has; the adopted copies are deleted after the query
 *       grace.</li>
 * </ol>
 * Another node's events are therefore visible here once it sealed them (every
 * {@code LARCH_SHARED_SEAL_INTERVAL}), uploaded them and this node refreshed: the freshness
 * bound. A part another node published but has not uploaded yet (its archive is down, say) is
 * counted in {@link #pendingParts()} and read as soon as it is uploaded.
 *
 * <p>Thread-safe: refreshes run one at a time on this class's own thread (and once at start).
 */
public final class SharedCatalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedCatalog.class);

    private final EventStore store;
    private final PartRepository parts;
    private final PartFiles files;
    private final PartBlooms blooms;
    private final ObjectStore objects;
    private final Archiver archiver;
    private final Clock clock;
    private final Duration queryGrace;
    /** The other nodes' parts in the snapshot, as this node reads them (archive-only), by id. */
    private final Map<Long, PartRecord> adopted = new ConcurrentHashMap<>();
    /** Adopted parts that left the catalog, with when: their copies here go after the query grace. */
    private final Map<PartRecord, Long> leaving = new HashMap<>();
    private final AtomicLong refreshes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("shared-catalog").daemon(true).factory());
    private volatile int pending;
    private volatile long lastRefreshAt;
    /**
     * The catalog as last read: the other nodes' published parts and this node's published ids.
     * A full read at start and every {@link #FULL_READ_EVERY}; in between only the rows changed
     * since the last read (the catalog stamps every change with the database's clock), read
     * again from {@link #CHANGE_OVERLAP} earlier, since a change commits a little after its stamp
     * (the catalog's transactions take milliseconds; the full read heals anything later).
     */
    private final Map<Long, PartRepository.ArchiveEntry> foreignPublished = new HashMap<>();
    private final Set<Long> ownPublished = new HashSet<>();
    private long readUpTo = -1;
    private long fullReadAt = Long.MIN_VALUE;
    static final Duration FULL_READ_EVERY = Duration.ofMinutes(10);
    static final Duration CHANGE_OVERLAP = Duration.ofSeconds(10);

    SharedCatalog(Engine engine, PartRepository parts, ObjectStore objects, Archiver archiver, Clock clock,
                  Duration queryGrace) {
        this.store = engine.store();
        this.parts = parts;
        this.files = engine.partFiles();
        this.blooms = engine.blooms();
        this.objects = objects;
        this.archiver = archiver;
        this.clock = clock;
        this.queryGrace = queryGrace;
    }

    void start(Duration every) {
        long millis = Math.max(1, every.toMillis());
        scheduler.scheduleWithFixedDelay(this::refreshQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** One refresh; a failure (catalog or archive unreachable) is logged and counted, and the next one tries again. */
    void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            LOG.warn("refreshing the shared part catalog failed (the other nodes' newest parts are not visible here "
                    + "until it works again): {}", e.getMessage());
        }
    }

    /** What one refresh did. */
    public record Refresh(int uploaded, int adopted, int dropped, int pending) {
    }

    /** Steps 1-3 of the class comment, now. */
    public synchronized Refresh refresh() {
        Archiver.Run upload = archiver.uploadDue();
        int nodeId = store.nodeId();
        Set<Long> ownBefore = new HashSet<>();
        for (PartRecord part : store.snapshot().parts()) {
            if (part.nodeId() == nodeId) {
                ownBefore.add(part.id());
            }
        }
        readCatalog(nodeId);
        List<PartRecord> foreign = new ArrayList<>(foreignPublished.size());
        int newlyAdopted = 0;
        int notYet = 0;
        for (PartRepository.ArchiveEntry entry : foreignPublished.values()) {
            PartRecord known = adopted.get(entry.part().id());
            if (known != null) {
                foreign.add(known);
                continue;
            }
            ArchiveState state = entry.part().archive();
            if (entry.key() == null || state != ArchiveState.ARCHIVED && state != ArchiveState.LOCAL_DELETED) {
                notYet++;
                continue;
            }
            PartRecord view = entry.part().withArchive(ArchiveState.LOCAL_DELETED);
            try {
                fetchSidecars(view, entry.key());
            } catch (ObjectStoreException | UncheckedIOException e) {
                notYet++;
                LOG.warn("cannot fetch the sidecars of part {} of node {} from {} yet: {}", view.name(), view.nodeId(),
                        objects.describe(), e.getMessage());
                continue;
            }
            adopted.put(view.id(), view);
            foreign.add(view);
            newlyAdopted++;
        }
        List<PartRecord> dropped = store.reconcile(ownBefore, Set.copyOf(ownPublished), foreign);
        long now = clock.millis();
        for (PartRecord part : dropped) {
            if (part.nodeId() != nodeId) {
                adopted.remove(part.id());
                leaving.put(part, now);
            }
        }
        deleteLeftCopies(now);
        pending = notYet;
        lastRefreshAt = now;
        refreshes.incrementAndGet();
        return new Refresh(upload.archived(), newlyAdopted, dropped.size(), notYet);
    }

    /** Brings {@link #foreignPublished} and {@link #ownPublished} up to the catalog's present state. */
    private void readCatalog(int nodeId) {
        long databaseNow = parts.databaseNow();
        if (readUpTo < 0 || clock.millis() - fullReadAt >= FULL_READ_EVERY.toMillis()) {
            foreignPublished.clear();
            for (PartRepository.ArchiveEntry entry : parts.listPublishedElsewhere(nodeId)) {
                foreignPublished.put(entry.part().id(), entry);
            }
            ownPublished.clear();
            ownPublished.addAll(parts.publishedIdsOnNode(nodeId));
            fullReadAt = clock.millis();
        } else {
            for (PartRepository.ArchiveEntry entry : parts.listChangedSince(readUpTo - CHANGE_OVERLAP.toMillis())) {
                long id = entry.part().id();
                boolean published = entry.part().state() == PartState.PUBLISHED;
                if (entry.part().nodeId() == nodeId) {
                    if (published) {
                        ownPublished.add(id);
                    } else {
                        ownPublished.remove(id);
                    }
                } else if (published) {
                    foreignPublished.put(id, entry);
                } else {
                    foreignPublished.remove(id);
                }
            }
        }
        readUpTo = databaseNow;
    }

    /** The sidecars the owner uploaded (each is optional: a part may have no postings, say). */
    private void fetchSidecars(PartRecord view, String partKey) {
        List<String> keys = ArchiveKeys.allKeys(partKey);
        List<Path> targets = List.of(files.bloomPath(view), files.postingsPath(view), files.rollupPath(view));
        try {
            Files.createDirectories(targets.getFirst().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the directory for part " + view.name() + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < targets.size(); i++) {
            try {
                objects.get(keys.get(i), targets.get(i));
            } catch (ObjectNotFoundException absent) {
                // the owner had none of this kind
            }
        }
    }

    private void deleteLeftCopies(long now) {
        for (Iterator<Map.Entry<PartRecord, Long>> it = leaving.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<PartRecord, Long> entry = it.next();
            if (entry.getValue() + queryGrace.toMillis() > now) {
                continue;
            }
            try {
                blooms.forget(entry.getKey().name());
                files.deleteAll(entry.getKey());
                it.remove();
            } catch (IOException e) {
                LOG.warn("cannot delete this node's copies of part {} (gone from the catalog): {}", entry.getKey().name(),
                        e.getMessage());
            }
        }
    }

    /** Other nodes' parts published but not in the archive yet: events this node cannot show yet. */
    public int pendingParts() {
        return pending;
    }

    public int adoptedParts() {
        return adopted.size();
    }

    public long refreshes() {
        return refreshes.get();
    }

    public long failures() {
        return failures.get();
    }

    /** When the last refresh finished (epoch ms; 0 before the first). */
    public long lastRefreshAt() {
        return lastRefreshAt;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
