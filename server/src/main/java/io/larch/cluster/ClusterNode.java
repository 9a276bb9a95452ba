package io.larch.cluster;

import io.larch.config.LarchConfig;
import io.larch.ingest.IdGenerator;
import io.larch.ingest.StoredOrder;
import io.larch.meta.NodeRepository;
import io.larch.model.EventId;
import io.larch.tail.TailHub;
import io.larch.tail.WatermarkMerge;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server as one node of several sharing PostgreSQL metadata: the node registry, the live
 * tail's LISTEN/NOTIFY bus and the feeds of the other nodes' events. With SQLite metadata (one
 * node) it does nothing at all.
 *
 * <p>Start, in the server's order: {@link #open} right after the metadata (a duplicate
 * LARCH_NODE_ID stops the start before anything is ingested); {@link #startTail} before HTTP
 * (streams must go live at the merged watermark from the first one); {@link #listening} once HTTP
 * listens (the port is known). {@link #close} before HTTP stops: the node gives its id up, so the
 * others stop waiting for it.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    private final LarchConfig config;
    /** Null on a single node. */
    private final NodeRegistry registry;
    private final Clock clock;
    private TailBus bus;
    private PeerFeeds feeds;
    /** Moves this node's release point on with the clock. */
    private Thread ticker;
    private volatile boolean closed;

    private ClusterNode(LarchConfig config, NodeRegistry registry, Clock clock) {
        this.config = config;
        this.registry = registry;
        this.clock = clock;
    }

    /**
     * Registers this node when {@code shared} (the metadata is PostgreSQL); otherwise a node
     * that does nothing.
     *
     * @throws io.larch.config.ConfigException naming LARCH_NODE_ID when another live node has the id
     */
    public static ClusterNode open(LarchConfig config, boolean shared, NodeRepository nodes, Clock clock) {
        if (!shared) {
            return new ClusterNode(config, null, clock);
        }
        String url = config.cluster().nodeUrl().map(Object::toString)
                .orElse(config.port() == 0 ? "" : defaultUrl(config.host(), config.port()));
        NodeRegistry registry = NodeRegistry.register(nodes, config.nodeId(), config.dataDir(), url, clock);
        LOG.info("node {} registered; {} other nodes alive", config.nodeId(), registry.others().size());
        return new ClusterNode(config, registry, clock);
    }

    /** Whether this node shares its metadata with others. */
    public boolean isShared() {
        return registry != null;
    }

    /**
     * Merges the other nodes' events into {@code hub}'s streams and starts telling them about
     * this node's. Call before HTTP starts.
     */
    public void startTail(TailHub hub, StoredOrder order, IdGenerator ids, MeterRegistry metrics) {
        if (registry == null) {
            return;
        }
        WatermarkMerge[] made = new WatermarkMerge[1];
        // With the ordering's lock held: no batch is released between the point and the switch.
        order.atReleasePoint(point -> made[0] = hub.mergeNodes(point));
        WatermarkMerge merge = made[0];
        feeds = new PeerFeeds(config.nodeId(), merge, new PeerClient(config.cluster().secret().orElseThrow()));
        hub.usePeers(feeds);
        registry.onChange(feeds::nodes);
        feeds.onUnknownNode(registry::refreshSoon);
        // The point goes on with the clock while nothing is stored, so the others' watermarks do too,
        // whether or not the bus is connected (the others then poll this node for it).
        ticker = Thread.ofVirtual().name("larch-tail-clock").start(() -> {
            while (!closed) {
                ids.catchUpWithClock();
                order.atReleasePoint(merge::localPoint);
                try {
                    Thread.sleep(TailBus.TICK);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        bus = new TailBus(config.metadata(), config.nodeId(), merge::announcement, feeds);
        bus.start();
        metrics(metrics, merge);
    }

    /** HTTP listens on {@code port}: where the others fetch from, unless LARCH_NODE_URL says otherwise. */
    public void listening(int port) {
        if (registry == null) {
            return;
        }
        String url = config.cluster().nodeUrl().map(Object::toString).orElse(defaultUrl(config.host(), port));
        registry.listeningAt(url);
        LOG.info("node {} is reached at {}", config.nodeId(), url);
    }

    /** http://host:port; for a wildcard host, this machine's address. */
    static String defaultUrl(String host, int port) {
        String reachable = host;
        if (host.equals("0.0.0.0") || host.equals("::")) {
            try {
                reachable = InetAddress.getLocalHost().getHostAddress();
            } catch (UnknownHostException e) {
                reachable = "127.0.0.1";
            }
        }
        return "http://" + (reachable.contains(":") ? "[" + reachable + "]" : reachable) + ":" + port;
    }

    private void metrics(MeterRegistry registry, WatermarkMerge merge) {
        Gauge.builder("larch_cluster_nodes_alive", this.registry, r -> r.others().size() + 1)
                .description("nodes whose heartbeat is fresh in the node registry, this one included").register(registry);
        Gauge.builder("larch_cluster_tail_held_events", merge, WatermarkMerge::heldEvents)
                .description("events waiting for every live node's watermark before live streams get them").register(registry);
        Gauge.builder("larch_cluster_tail_watermark_lag_seconds", merge,
                        m -> Math.max(0, clock.millis() - EventId.millisOf(m.watermark())) / 1000.0)
                .description("how far behind the clock the cross-node live tail's watermark is").register(registry);
        FunctionCounter.builder("larch_cluster_tail_late_events", merge, WatermarkMerge::lateEvents)
                .description("other nodes' events that arrived below the watermark (their node had been taken for gone): not sent live")
                .register(registry);
        FunctionCounter.builder("larch_cluster_tail_forced_events", merge, WatermarkMerge::forcedEvents)
                .description("events sent live before the watermark reached them because too many were held").register(registry);
        FunctionCounter.builder("larch_cluster_tail_fetched_events", feeds, PeerFeeds::fetchedEvents)
                .description("other nodes' events fetched for live streams").register(registry);
        FunctionCounter.builder("larch_cluster_tail_fetch_failures", feeds, PeerFeeds::fetchFailures)
                .description("failed fetches of other nodes' events (retried)").register(registry);
        FunctionCounter.builder("larch_cluster_tail_notifies_sent", bus, TailBus::notifiesSent)
                .description("NOTIFY messages sent on the live tail's channel").register(registry);
        FunctionCounter.builder("larch_cluster_tail_notifies_received", bus, TailBus::notifiesReceived)
                .description("other nodes' NOTIFY messages received").register(registry);
        FunctionCounter.builder("larch_cluster_tail_bus_reconnects", bus, TailBus::reconnects)
                .description("times the live tail's LISTEN connection to PostgreSQL was opened again").register(registry);
        Gauge.builder("larch_cluster_tail_bus_connected", bus, b -> b.connected() ? 1 : 0)
                .description("1 while the live tail's LISTEN connection is up (else other nodes are polled every second)")
                .register(registry);
    }

    /** Stops the bus and the feeds and gives the node id up. */
    @Override
    public void close() {
        closed = true;
        if (ticker != null) {
            ticker.interrupt();
        }
        if (registry != null) {
            // First: a node told this one stops must not find it alive in the registry and wait again.
            registry.close();
        }
        if (bus != null) {
            bus.close();
        }
        if (feeds != null) {
            feeds.close();
        }
    }
}
