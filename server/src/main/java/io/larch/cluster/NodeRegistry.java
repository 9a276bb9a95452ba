package io.larch.cluster;

import io.larch.config.ConfigException;
import io.larch.config.Settings;
import io.larch.datadir.FileNames;
import io.larch.meta.MetadataException;
import io.larch.meta.NodeRepository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's row in the node registry, and the other nodes' rows as last read. A node
 * registers at start (refused, naming LARCH_NODE_ID, while another data dir's node with the same
 * id heartbeat within {@link #STALE_AFTER}), heartbeats every {@link #HEARTBEAT_INTERVAL} and
 * reads who else is alive; on a clean stop it gives its id up. Times come from the injected
 * clock. Thread-safe: {@link #alive} is replaced whole by the heartbeat thread.
 */
public final class NodeRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRegistry.class);
    public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(2);
    /** A node whose heartbeat is older is taken for gone: its id is free, and it no longer holds live tails back. */
    public static final Duration STALE_AFTER = Duration.ofSeconds(10);

    private final NodeRepository nodes;
    private final int nodeId;
    private final String instance;
    private final Clock clock;
    private final Thread heartbeats;
    /** The nodes alive at the last heartbeat, this one included, by id. */
    private volatile Map<Integer, NodeRepository.NodeRecord> alive = Map.of();
    private volatile Consumer<Map<Integer, NodeRepository.NodeRecord>> onChange = nodes -> { };
    private volatile boolean closed;

    private NodeRegistry(NodeRepository nodes, int nodeId, String instance, Clock clock) {
        this.nodes = nodes;
        this.nodeId = nodeId;
        this.instance = instance;
        this.clock = clock;
        this.heartbeats = Thread.ofPlatform().name("larch-node-heartbeat").daemon(true).unstarted(this::beat);
    }

    /**
     * Registers node {@code nodeId} of the data dir {@code dataDir}, reachable at {@code url}
     * (empty while the port is not known yet), and starts heartbeating.
     *
     * @throws ConfigException naming LARCH_NODE_ID when another node holds the id
     */
    public static NodeRegistry register(NodeRepository nodes, int nodeId, Path dataDir, String url, Clock clock) {
        String instance = instanceOf(dataDir);
        long now = clock.millis();
        Optional<NodeRepository.NodeRecord> holder = nodes.register(nodeId, instance, url, now,
                now - STALE_AFTER.toMillis());
        if (holder.isPresent()) {
            NodeRepository.NodeRecord other = holder.get();
            throw new ConfigException(List.of(Settings.NODE_ID.name() + ": " + nodeId + " is in use by another node ("
                    + (other.url().isEmpty() ? "address not known yet" : other.url()) + ", last heartbeat "
                    + Math.max(0, now - other.heartbeatAt()) + " ms ago); give every node its own LARCH_NODE_ID (0-1023),"
                    + " or wait " + STALE_AFTER.toSeconds() + " s after that node stopped"));
        }
        NodeRegistry registry = new NodeRegistry(nodes, nodeId, instance, clock);
        registry.refresh();
        registry.heartbeats.start();
        return registry;
    }

    /** The data dir's registry name, made once and kept in it: a restart on the same data dir is the same node. */
    static String instanceOf(Path dataDir) {
        Path file = dataDir.resolve(FileNames.NODE_INSTANCE);
        try {
            if (Files.exists(file)) {
                String kept = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!kept.isEmpty()) {
                    return kept;
                }
            }
            String made = UUID.randomUUID().toString();
            Path tmp = dataDir.resolve(FileNames.NODE_INSTANCE + FileNames.TMP_SUFFIX);
            Files.writeString(tmp, made + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return made;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The address other nodes reach this one at, once HTTP listens. */
    public void listeningAt(String listeningUrl) {
        nodes.moved(nodeId, instance, listeningUrl);
        refresh();
    }

    /** Called after every heartbeat with the nodes alive (this one included). */
    public void onChange(Consumer<Map<Integer, NodeRepository.NodeRecord>> listener) {
        this.onChange = listener;
        listener.accept(alive);
    }

    /** The other nodes alive at the last heartbeat, by id. */
    public Map<Integer, NodeRepository.NodeRecord> others() {
        Map<Integer, NodeRepository.NodeRecord> others = new TreeMap<>(alive);
        others.remove(nodeId);
        return others;
    }

    public int nodeId() {
        return nodeId;
    }

    private void beat() {
        while (!closed) {
            try {
                Thread.sleep(HEARTBEAT_INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (!nodes.heartbeat(nodeId, instance, clock.millis())) {
                    LOG.error("node id {} was taken by another node while this one's heartbeat was stale; give every"
                            + " node its own LARCH_NODE_ID: live tails across nodes are unreliable until then", nodeId);
                }
                refresh();
            } catch (MetadataException e) {
                // PostgreSQL is away: the others keep this node until its heartbeat is stale.
                LOG.warn("node heartbeat failed (retrying every {} s): {}", HEARTBEAT_INTERVAL.toSeconds(), e.getMessage());
            }
        }
    }

    /** Reads the registry now, off the caller's thread (a node announced itself before the next heartbeat). */
    public void refreshSoon() {
        Thread.ofVirtual().name("larch-node-registry-read").start(() -> {
            try {
                refresh();
            } catch (MetadataException e) {
                LOG.debug("reading the node registry failed: {}", e.getMessage());
            }
        });
    }

    private synchronized void refresh() {
        Map<Integer, NodeRepository.NodeRecord> read = new TreeMap<>();
        for (NodeRepository.NodeRecord node : nodes.alive(clock.millis() - STALE_AFTER.toMillis())) {
            read.put(node.nodeId(), node);
        }
        alive = Map.copyOf(read);
        onChange.accept(alive);
    }

    /** Stops heartbeating and gives the id up, so the other nodes stop waiting for this one at once. */
    @Override
    public void close() {
        closed = true;
        heartbeats.interrupt();
        try {
            heartbeats.join(HEARTBEAT_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            nodes.unregister(nodeId, instance);
        } catch (MetadataException e) {
            LOG.warn("could not give node id {} up in the registry (the others wait {} s for it): {}", nodeId,
                    STALE_AFTER.toSeconds(), e.getMessage());
        }
    }
}
