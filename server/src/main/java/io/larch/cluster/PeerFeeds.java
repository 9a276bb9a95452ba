package io.larch.cluster;

import io.larch.meta.NodeRepository;
import io.larch.tail.StreamFilter;
import io.larch.tail.StreamSession;
import io.larch.tail.TailHub;
import io.larch.tail.WatermarkMerge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The other live nodes as this node's live tail sees them: one feed per peer, on a virtual
 * thread, that fetches the peer's new events into the {@link WatermarkMerge} when a notify says
 * there are some, and asks the peer directly when it heard nothing from it for
 * {@link #POLL_FALLBACK} (the LISTEN connection is down, or notifies were lost): notifies make it
 * fast, the fetches from the last id held make it complete. Also reads the peers for streams that
 * resume ({@link TailHub.Peers}). Which peers are alive comes from the node registry.
 * Thread-safe.
 */
public final class PeerFeeds implements TailBus.Listener, TailHub.Peers, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerFeeds.class);
    /** A peer heard from less recently than this is asked directly. */
    static final Duration POLL_FALLBACK = Duration.ofSeconds(1);
    /** Events fetched per request. */
    static final int FETCH_LIMIT = 1000;
    private static final Duration RETRY_PAUSE = Duration.ofMillis(500);
    /** A peer that keeps failing is logged about at most this often (the failures are counted). */
    private static final Duration WARN_EVERY = Duration.ofSeconds(30);

    private final int self;
    private final WatermarkMerge merge;
    private final PeerClient client;
    private final Map<Integer, Feed> feeds = new ConcurrentHashMap<>();
    private final AtomicLong fetchedEvents = new AtomicLong();
    private final AtomicLong fetchFailures = new AtomicLong();
    private volatile boolean closed;
    private volatile Runnable unknownNode = () -> { };
    /** Nodes the registry's last read found stale (or stopped) after they had been peers. */
    private final java.util.Set<Integer> gone = ConcurrentHashMap.newKeySet();

    public PeerFeeds(int self, WatermarkMerge merge, PeerClient client) {
        this.self = self;
        this.merge = merge;
        this.client = client;
        merge.onActivate(this::wakeAll);
    }

    /** One peer's fetch loop. */
    private final class Feed {
        final int node;
        final Semaphore wake = new Semaphore(0);
        volatile String url;
        volatile long lastHeardNanos = System.nanoTime() - POLL_FALLBACK.toNanos();
        volatile boolean stopped;
        /** The node said it stops: fetch once more, then stop waiting for it. */
        volatile boolean leaving;
        /** Its thread only: when the last failure was logged (the first is logged at once). */
        long lastWarnedNanos = System.nanoTime() - WARN_EVERY.toNanos();

        Feed(int node, String url) {
            this.node = node;
            this.url = url;
        }

        void run() {
            while (!stopped && !closed) {
                boolean woken;
                try {
                    woken = wake.tryAcquire(POLL_FALLBACK.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                wake.drainPermits();
                if (stopped || closed) {
                    return;
                }
                if (!woken && System.nanoTime() - lastHeardNanos < POLL_FALLBACK.toNanos()) {
                    continue;
                }
                try {
                    fetch();
                    if (leaving) {
                        drop(this);
                        return;
                    }
                } catch (RuntimeException e) {
                    if (leaving) {
                        drop(this);
                        return;
                    }
                    fetchFailures.incrementAndGet();
                    long now = System.nanoTime();
                    if (now - lastWarnedNanos >= WARN_EVERY.toNanos()) {
                        lastWarnedNanos = now;
                        LOG.warn("live tail: fetching node {}'s events failed (retrying): {}", node, e.getMessage());
                    }
                    try {
                        Thread.sleep(RETRY_PAUSE);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                    wake.release();
                }
            }
        }

        /** Fetches until the peer has nothing more (or, while no stream listens, learns its point only). */
        private void fetch() {
            while (!stopped && !closed) {
                String base = url;
                WatermarkMerge.Position position = merge.position(node);
                if (base == null || base.isEmpty() || position == null) {
                    return;
                }
                if (!position.active()) {
                    PeerClient.Page page = client.after(base, position.after(), 0, Map.of());
                    merge.fetched(node, position.epoch(), List.of(), true, page.point());
                    return;
                }
                PeerClient.Page page = client.after(base, position.after(), FETCH_LIMIT, Map.of());
                fetchedEvents.addAndGet(page.events().size());
                merge.fetched(node, position.epoch(), page.events(), !page.more(), page.point());
                if (!page.more()) {
                    return;
                }
            }
        }
    }

    /** The registry's view changed: {@code alive} holds every node alive now, this one included. */
    public void nodes(Map<Integer, NodeRepository.NodeRecord> alive) {
        if (closed) {
            return;
        }
        for (NodeRepository.NodeRecord node : alive.values()) {
            if (node.nodeId() == self) {
                continue;
            }
            gone.remove(node.nodeId());
            Feed feed = feeds.computeIfAbsent(node.nodeId(), id -> start(id, node.url()));
            if (!node.url().equals(feed.url)) {
                feed.url = node.url();
                feed.wake.release();
            }
        }
        for (Feed feed : List.copyOf(feeds.values())) {
            if (!alive.containsKey(feed.node)) {
                drop(feed);
            }
        }
    }

    /** Runs when a node not in the registry's last read announces itself. */
    public void onUnknownNode(Runnable readRegistry) {
        this.unknownNode = readRegistry;
    }

    private Feed start(int node, String url) {
        merge.peerAlive(node);
        Feed made = new Feed(node, url);
        Thread.ofVirtual().name("larch-tail-feed-" + node).start(made::run);
        made.wake.release();
        return made;
    }

    @Override
    public void announced(int node, long point, long lastId) {
        Feed feed = feeds.get(node);
        if (feed == null) {
            if (gone.contains(node)) {
                return; // the registry says its heartbeat is stale: it holds nothing back until it is fresh again
            }
            // A node that just started: it holds the watermark back from now on (its events are not
            // late), and the registry is read at once for where to fetch them.
            feed = feeds.computeIfAbsent(node, id -> start(id, ""));
            unknownNode.run();
        }
        feed.lastHeardNanos = System.nanoTime();
        if (merge.announced(node, point, lastId)) {
            feed.wake.release();
        }
    }

    @Override
    public void leaving(int node) {
        Feed feed = feeds.get(node);
        if (feed != null) {
            feed.leaving = true;
            feed.wake.release();
        }
    }

    /** Stops waiting for {@code feed}'s node (stale in the registry, or it said it stops). */
    private void drop(Feed feed) {
        if (feeds.remove(feed.node, feed)) {
            gone.add(feed.node);
            feed.stopped = true;
            feed.wake.release();
            merge.peerGone(feed.node);
        }
    }

    @Override
    public void reconnected() {
        wakeAll();
    }

    private void wakeAll() {
        feeds.values().forEach(feed -> feed.wake.release());
    }

    @Override
    public List<StreamSession.StoredAfter> readers(StreamFilter filter) {
        List<StreamSession.StoredAfter> readers = new ArrayList<>();
        for (Feed feed : feeds.values()) {
            String base = feed.url;
            if (base == null || base.isEmpty()) {
                continue;
            }
            Map<String, String> params = new HashMap<>(filter.params());
            params.put("project", Long.toString(filter.projectId()));
            readers.add((afterId, limit) -> {
                PeerClient.Page page = client.after(base, afterId, limit, params);
                return new StreamSession.Page(page.events(), page.more(), 0);
            });
        }
        return readers;
    }

    /** Other nodes' events fetched for the live tail. */
    public long fetchedEvents() {
        return fetchedEvents.get();
    }

    public long fetchFailures() {
        return fetchFailures.get();
    }

    public int peers() {
        return feeds.size();
    }

    @Override
    public void close() {
        closed = true;
        feeds.values().forEach(feed -> {
            feed.stopped = true;
            feed.wake.release();
        });
        feeds.clear();
    }
}
