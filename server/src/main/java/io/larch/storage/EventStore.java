package io.larch.storage;

import io.larch.meta.Database;
import io.larch.meta.PartRepository;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.part.ArchiveState;
import io.larch.part.PartRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The head (recent events in memory) and the published parts, behind one atomically replaced
 * {@link StoreSnapshot}. Thread-safe: the WAL writer appends, the sealer publishes, queries read.
 */
public final class EventStore {
    private final PartRepository partRepository;
    private final int nodeId;
    private final Clock clock;
    private final AtomicReference<StoreSnapshot> current;
    private final AtomicLong headEvents = new AtomicLong();
    private final HeadIndexMemory headIndexMemory;

    private final boolean shared;

    public EventStore(PartRepository partRepository, int nodeId, Clock clock, HeadIndexMemory headIndexMemory) {
        this(partRepository, nodeId, clock, headIndexMemory, false);
    }

    /**
     * {@code shared}: [several nodes] the catalog is shared with other nodes; the snapshot starts
     * with this node's parts only, and {@link #reconcile} adds the others' once they can be read.
     */
    public EventStore(PartRepository partRepository, int nodeId, Clock clock, HeadIndexMemory headIndexMemory,
                      boolean shared) {
        this.headIndexMemory = headIndexMemory;
        this.partRepository = partRepository;
        this.nodeId = nodeId;
        this.clock = clock;
        this.shared = shared;
        List<PartRecord> published = partRepository.listPublished();
        if (shared) {
            published = published.stream().filter(p -> p.nodeId() == nodeId).toList();
        }
        this.current = new AtomicReference<>(new StoreSnapshot(List.copyOf(published), List.of(),
                partRepository.listQuarantined().stream().map(PartRepository.Quarantined::part).toList()));
    }

    /** [several nodes] True when other nodes share the catalog (see the constructor). */
    public boolean isShared() {
        return shared;
    }

    public int nodeId() {
        return nodeId;
    }

    /**
     * [several nodes] Brings the snapshot up to date with what other nodes did to the shared
     * catalog, in one step: the other nodes' parts become exactly {@code foreign} (as this node
     * reads them: from the archive), and this node's parts that another node retired (retention,
     * erase) leave it. {@code ownBefore} are this node's part ids in the snapshot taken before the
     * catalog was read, {@code ownPublished} the ids the catalog then had as published: a part is
     * dropped only if it was in both the snapshot and the catalog before the read and is no longer
     * published, so a part this node publishes meanwhile is never dropped. Returns the parts that
     * left the snapshot.
     */
    public List<PartRecord> reconcile(Set<Long> ownBefore, Set<Long> ownPublished, List<PartRecord> foreign) {
        Set<Long> foreignIds = new HashSet<>();
        foreign.forEach(p -> foreignIds.add(p.id()));
        List<PartRecord> dropped = new ArrayList<>();
        current.updateAndGet(snapshot -> {
            dropped.clear();
            List<PartRecord> parts = new ArrayList<>(snapshot.parts().size() + foreign.size());
            for (PartRecord part : snapshot.parts()) {
                boolean gone = part.nodeId() == nodeId
                        ? ownBefore.contains(part.id()) && !ownPublished.contains(part.id())
                        : !foreignIds.contains(part.id());
                if (gone) {
                    dropped.add(part);
                } else if (part.nodeId() == nodeId) {
                    parts.add(part);
                }
            }
            parts.addAll(foreign);
            return new StoreSnapshot(List.copyOf(parts), snapshot.head(), snapshot.quarantined());
        });
        return List.copyOf(dropped);
    }

    public StoreSnapshot snapshot() {
        return current.get();
    }

    /** Adds durable events to the head segment {@code segmentId}, creating it on first use. */
    public void appendToHead(long segmentId, Kind kind, List<LogEvent> events) {
        HeadSegment segment = findHead(current.get(), segmentId);
        if (segment == null) {
            HeadSegment created = new HeadSegment(segmentId, kind, headIndexMemory);
            current.updateAndGet(snapshot -> {
                List<HeadSegment> head = new ArrayList<>(snapshot.head());
                head.add(created);
                return new StoreSnapshot(snapshot.parts(), List.copyOf(head), snapshot.quarantined());
            });
            segment = created;
        }
        segment.append(events);
        headEvents.addAndGet(events.size());
    }

    /** What the head's indexes hold and may hold. */
    public HeadIndexMemory headIndexMemory() {
        return headIndexMemory;
    }

    /** The head's events of one segment, in WAL order; empty when the head has no such segment. */
    public List<LogEvent> headEvents(long segmentId) {
        HeadSegment segment = findHead(current.get(), segmentId);
        return segment == null ? List.of() : segment.events();
    }

    /** Events in the head, i.e. durable but not yet in published parts. */
    public long headEventCount() {
        return headEvents.get();
    }

    /**
     * Publishes the parts sealed from {@code segmentIds} in the catalog (together with the record
     * that the segments are sealed), then swaps the head segments for them in one step.
     */
    public List<PartRecord> publishSealed(List<Long> segmentIds, List<PartRecord> parts) {
        List<PartRecord> published = partRepository.publishSealed(parts, nodeId, segmentIds, clock.millis());
        StoreSnapshot before = current.getAndUpdate(snapshot -> {
            List<PartRecord> allParts = new ArrayList<>(snapshot.parts());
            allParts.addAll(published);
            List<HeadSegment> head = new ArrayList<>(snapshot.head());
            head.removeIf(segment -> segmentIds.contains(segment.segmentId()));
            return new StoreSnapshot(List.copyOf(allParts), List.copyOf(head), snapshot.quarantined());
        });
        for (long segmentId : segmentIds) {
            HeadSegment sealed = findHead(before, segmentId);
            if (sealed != null) {
                headEvents.addAndGet(-sealed.size());
                sealed.release();
            }
        }
        return published;
    }

    /**
     * Publishes a compacted part in place of its inputs (catalog first, then the snapshot, in one
     * step each): a query sees either all inputs or the merged part, never both and never neither.
     */
    public PartRecord publishCompacted(List<PartRecord> inputs, PartRecord merged) {
        return replaceParts(inputs, List.of(merged), Database.NOTHING_MORE).getFirst();
    }

    /**
     * Publishes {@code replacements} (0..n parts) in place of {@code retired}, catalog first (in
     * one transaction with {@code alsoInTransaction}), then the snapshot, in one step each: a
     * query sees either all the retired parts or all the replacements. Fails and changes nothing
     * unless every retired part is still published. Returns the replacements as published.
     */
    public List<PartRecord> replaceParts(List<PartRecord> retired, List<PartRecord> replacements,
                                         Database.SqlWork<?> alsoInTransaction) {
        List<PartRecord> published = partRepository.replaceParts(retired, replacements, clock.millis(), alsoInTransaction);
        Set<Long> retiredIds = new HashSet<>();
        retired.forEach(p -> retiredIds.add(p.id()));
        current.updateAndGet(snapshot -> {
            List<PartRecord> parts = new ArrayList<>(snapshot.parts());
            parts.removeIf(p -> retiredIds.contains(p.id()));
            parts.addAll(published);
            return new StoreSnapshot(List.copyOf(parts), snapshot.head(), snapshot.quarantined());
        });
        return published;
    }

    /**
     * Moves a published part to another archive state (catalog first, then the snapshot): from
     * then on queries find its bytes where {@code to} says. False when the catalog had it in
     * another state or no longer published (compacted, quarantined, expired meanwhile).
     */
    public boolean moveArchive(PartRecord part, ArchiveState from, ArchiveState to, String key, String md5Hex) {
        if (!partRepository.moveArchive(part.id(), from, to, key, md5Hex, clock.millis())) {
            return false;
        }
        current.updateAndGet(snapshot -> {
            List<PartRecord> parts = new ArrayList<>(snapshot.parts());
            parts.replaceAll(p -> p.id() == part.id() ? p.withArchive(to) : p);
            return new StoreSnapshot(List.copyOf(parts), snapshot.head(), snapshot.quarantined());
        });
        return true;
    }

    /**
     * Retires published parts past their retention (catalog first, then the snapshot, one step
     * each): later queries no longer see them; their files go after the retired grace. Returns
     * the parts retired.
     */
    public List<PartRecord> expire(List<PartRecord> expired) {
        List<PartRecord> retired = partRepository.expire(expired, clock.millis());
        Set<Long> ids = new HashSet<>();
        retired.forEach(p -> ids.add(p.id()));
        current.updateAndGet(snapshot -> {
            List<PartRecord> parts = new ArrayList<>(snapshot.parts());
            parts.removeIf(p -> ids.contains(p.id()));
            return new StoreSnapshot(List.copyOf(parts), snapshot.head(), snapshot.quarantined());
        });
        return retired;
    }

    /**
     * Takes a published part out of every later snapshot and records it as quarantined (catalog
     * first, then the snapshot). Returns false when it was no longer published.
     */
    public boolean quarantine(PartRecord part, String reason) {
        if (!partRepository.quarantine(part.id(), reason)) {
            return false;
        }
        setAside(part);
        return true;
    }

    /**
     * Retires a quarantined part past its retention (catalog first, then the snapshot's list of
     * quarantined parts, so answers stop calling themselves partial for it). False when it was no
     * longer quarantined.
     */
    public boolean expireQuarantined(PartRecord part) {
        if (!partRepository.expireQuarantined(part.id(), clock.millis())) {
            return false;
        }
        current.updateAndGet(snapshot -> {
            List<PartRecord> quarantined = new ArrayList<>(snapshot.quarantined());
            quarantined.removeIf(p -> p.id() == part.id());
            return new StoreSnapshot(snapshot.parts(), snapshot.head(), List.copyOf(quarantined));
        });
        return true;
    }

    /**
     * Takes a part out of every later snapshot of this process only, without touching the
     * catalog: for a read-only view of a data dir that another process owns.
     */
    public void setAside(PartRecord part) {
        current.updateAndGet(snapshot -> {
            List<PartRecord> parts = new ArrayList<>(snapshot.parts());
            parts.removeIf(p -> p.id() == part.id());
            List<PartRecord> quarantined = new ArrayList<>(snapshot.quarantined());
            if (quarantined.stream().noneMatch(p -> p.id() == part.id())) {
                quarantined.add(part);
            }
            return new StoreSnapshot(List.copyOf(parts), snapshot.head(), List.copyOf(quarantined));
        });
    }

    private static HeadSegment findHead(StoreSnapshot snapshot, long segmentId) {
        for (HeadSegment segment : snapshot.head()) {
            if (segment.segmentId() == segmentId) {
                return segment;
            }
        }
        return null;
    }
}
