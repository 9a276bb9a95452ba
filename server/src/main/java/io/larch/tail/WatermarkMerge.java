package io.larch.tail;

import io.larch.model.EventId;
import io.larch.model.LogEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * With several nodes: puts this node's stored events and the other nodes' events (fetched from
 * them) into one sequence in id order for the {@link TailHub}, so a stream on any node gets every
 * node's events in id order, none twice, and resumes by id.
 *
 * <p>Events are held until the <em>watermark</em> passes them: the smallest of this node's
 * release point and, for every live peer, the point it reported with all its events below it
 * fetched here. Below the watermark no event of any live node can still appear, so what is
 * released is final and a stream that goes live at the watermark misses nothing: what is below
 * it, it reads from the stores (this node's and the peers'), what is above reaches it live.
 *
 * <p>A peer whose heartbeat went stale is {@linkplain #peerGone dropped}, and one whose point is
 * {@link #MAX_PEER_LAG_MILLIS} behind this node's is passed over: neither holds the watermark back; events it sends later below the watermark are too late for live streams
 * (counted in {@link #lateEvents}; a resume reads them from that node once it is back).
 *
 * <p>While no stream is open the peers' events are not fetched, only their points; the first
 * stream to go live makes every peer fetch again from the watermark ({@code epoch} tells a fetch
 * begun before apart).
 *
 * <p>Thread-safe: every field below is guarded by {@code lock}. {@link #local} is called with the
 * ingest ordering's lock held (that order of locks, never the reverse), and the output only
 * enqueues.
 */
public final class WatermarkMerge {
    /** Held events past which the oldest are released anyway: a peer that reports nothing must not grow memory for ever. */
    static final int MAX_HELD = 50_000;
    /**
     * A live peer whose reported point is this far behind this node's stops holding the
     * watermark back (it cannot be reached over HTTP, or it hangs) until it catches up: the same
     * bound as a stale heartbeat, so no stream waits longer for any one node.
     */
    static final long MAX_PEER_LAG_MILLIS = 10_000;

    /**
     * Where a peer's fetch goes on.
     *
     * @param after  fetch its events with larger ids
     * @param epoch  hand back with the result; a result of an older epoch is ignored
     * @param active whether to fetch events at all (streams are open), or only the peer's point
     */
    public record Position(long after, long epoch, boolean active) {
    }

    /**
     * What this node tells the others: every own event below {@code point} is stored, and the
     * newest of them is at most {@code lastId}: a peer that has fetched up to
     * {@code lastId} already need not ask.
     */
    public record Announcement(long point, long lastId) {
    }

    private static final class Peer {
        long after;
        long confirmed;
        long epoch;
        boolean alive = true;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Consumer<List<LogEvent>> output;
    private final BooleanSupplier streamsOpen;
    /** Events not yet below the watermark, by id. Guarded by {@code lock}. */
    private final TreeMap<Long, LogEvent> held = new TreeMap<>();
    /** Guarded by {@code lock}. */
    private final Map<Integer, Peer> peers = new HashMap<>();
    /** Every own event below it has been handed to {@link #local}. Guarded by {@code lock}. */
    private long localPoint;
    /** Everything below it has been released. Guarded by {@code lock}. */
    private long watermark;
    /** The newest own event stored (handed to {@link #local}, or found at start). Guarded by {@code lock}. */
    private long lastLocalId;
    /** Whether peers' events are fetched (a stream went live since the last idle check). Guarded by {@code lock}. */
    private boolean active;
    /** Guarded by {@code lock}. */
    private long late;
    /** Guarded by {@code lock}. */
    private long forced;
    private volatile Runnable onActivate = () -> { };

    WatermarkMerge(long localPoint, Consumer<List<LogEvent>> output, BooleanSupplier streamsOpen) {
        this.localPoint = localPoint;
        this.watermark = localPoint;
        // What the store held at start (WAL replay) may not have reached the peers before a crash:
        // they fetch up to here once.
        this.lastLocalId = localPoint - 1;
        this.output = output;
        this.streamsOpen = streamsOpen;
    }

    /** Runs when the first stream goes live after an idle spell: the fetchers should fetch at once. */
    public void onActivate(Runnable wakeFetchers) {
        this.onActivate = wakeFetchers;
    }

    /** This node's stored events, in id order (called by the ingest ordering, its lock held). */
    public void local(List<LogEvent> events) {
        lock.lock();
        try {
            for (LogEvent event : events) {
                held.put(event.id(), event);
            }
            lastLocalId = Math.max(lastLocalId, events.getLast().id());
            localPoint = Math.max(localPoint, lastLocalId + 1);
            release();
        } finally {
            lock.unlock();
        }
    }

    /** This node's release point moved on (it goes on with the clock while nothing is stored). */
    public void localPoint(long point) {
        lock.lock();
        try {
            if (point > localPoint) {
                localPoint = point;
                release();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Every own event below it is stored: what this node tells the others. */
    public long localPoint() {
        return locked(() -> localPoint);
    }

    /** This node's point and newest event, read together: what a notify carries. */
    public Announcement announcement() {
        return locked(() -> new Announcement(localPoint, lastLocalId));
    }

    /**
     * {@code node} announced {@code point} with its newest event {@code lastId}. When everything
     * up to that event is fetched here already (or no stream listens) the point is taken as is;
     * otherwise returns true: fetch from it.
     */
    public boolean announced(int node, long point, long lastId) {
        lock.lock();
        try {
            Peer peer = peers.get(node);
            if (peer == null || !peer.alive) {
                return false;
            }
            if (active && peer.after < lastId) {
                return true;
            }
            peer.confirmed = Math.max(peer.confirmed, point);
            peer.after = Math.max(peer.after, point - 1);
            release();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** {@code node} is alive (its heartbeat is fresh): it holds the watermark back from now on. */
    public void peerAlive(int node) {
        lock.lock();
        try {
            Peer peer = peers.get(node);
            if (peer == null) {
                peer = new Peer();
                peer.after = watermark - 1;
                peer.confirmed = watermark;
                peers.put(node, peer);
            } else if (!peer.alive) {
                // Back after a stale spell: it goes on where it got to; what it has below the watermark is late.
                peer.alive = true;
                peer.confirmed = Math.max(peer.confirmed, watermark);
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@code node}'s heartbeat is stale (or it stopped): it no longer holds the watermark back. */
    public void peerGone(int node) {
        lock.lock();
        try {
            Peer peer = peers.get(node);
            if (peer != null && peer.alive) {
                peer.alive = false;
                release();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Where {@code node}'s fetch goes on, or null when it is not a live peer. */
    public Position position(int node) {
        lock.lock();
        try {
            Peer peer = peers.get(node);
            if (peer == null || !peer.alive) {
                return null;
            }
            if (active && !streamsOpen.getAsBoolean()) {
                // No one listens: stop fetching events until a stream goes live again (see at()).
                active = false;
            }
            return new Position(peer.after, peer.epoch, active);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A fetch from {@code node} returned {@code events} (in id order, after the position's id);
     * {@code complete}: every event of it below {@code point} is among them (or was fetched before).
     */
    public void fetched(int node, long epoch, List<LogEvent> events, boolean complete, long point) {
        lock.lock();
        try {
            Peer peer = peers.get(node);
            if (peer == null || peer.epoch != epoch) {
                return;
            }
            for (LogEvent event : events) {
                if (event.id() <= peer.after) {
                    continue;
                }
                if (event.id() < watermark) {
                    late++;
                } else {
                    held.put(event.id(), event);
                }
                peer.after = event.id();
            }
            if (complete) {
                peer.confirmed = Math.max(peer.confirmed, point);
                peer.after = Math.max(peer.after, point - 1);
            }
            release();
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code whileHeld} with the watermark (a stream goes live) and returns it; see {@link TailHub#goLive}. */
    long at(LongConsumer whileHeld) {
        boolean activated = false;
        long point;
        lock.lock();
        try {
            if (!active) {
                active = true;
                activated = true;
                for (Peer peer : peers.values()) {
                    peer.epoch++;
                    peer.after = watermark - 1;
                    peer.confirmed = Math.min(peer.confirmed, watermark);
                }
            }
            point = watermark;
            whileHeld.accept(point);
        } finally {
            lock.unlock();
        }
        if (activated) {
            onActivate.run();
        }
        return point;
    }

    /** Everything below it has been released to the hub. */
    public long watermark() {
        return locked(() -> watermark);
    }

    /** Events waiting for the watermark. */
    public int heldEvents() {
        return locked(() -> held.size());
    }

    /** Peers' events that arrived below the watermark (after their node had been given up as stale). */
    public long lateEvents() {
        return locked(() -> late);
    }

    /** Events released before the watermark reached them because too many were held. */
    public long forcedEvents() {
        return locked(() -> forced);
    }

    /** {@code read} with {@code lock} held: one consistent look at the fields. */
    private <T> T locked(java.util.function.Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /** Releases what is below the new watermark, oldest first. Called with {@code lock} held. */
    private void release() {
        long point = localPoint;
        long localMillis = EventId.millisOf(localPoint);
        for (Peer peer : peers.values()) {
            if (peer.alive && localMillis - EventId.millisOf(peer.confirmed) <= MAX_PEER_LAG_MILLIS) {
                point = Math.min(point, peer.confirmed);
            }
        }
        List<LogEvent> out = new ArrayList<>();
        if (point > watermark) {
            watermark = point;
            NavigableMap<Long, LogEvent> below = held.headMap(point, false);
            out.addAll(below.values());
            below.clear();
        }
        while (held.size() > MAX_HELD) {
            LogEvent oldest = held.pollFirstEntry().getValue();
            out.add(oldest);
            forced++;
            watermark = Math.max(watermark, oldest.id() + 1);
        }
        if (!out.isEmpty()) {
            output.accept(out);
        }
    }
}
