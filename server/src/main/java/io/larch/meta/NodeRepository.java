package io.larch.meta;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The node registry (table {@code nodes}): which LARCH_NODE_IDs are in use, where each node is
 * reached and when it last said it is alive. Every statement is one atomic SQL statement, so two
 * nodes starting at once with the same id cannot both win.
 */
public final class NodeRepository {
    private final Database database;

    public NodeRepository(Database database) {
        this.database = database;
    }

    /**
     * One registered node.
     *
     * @param instance    the data dir that holds the id (a random id kept in it)
     * @param url         where other nodes reach it
     * @param startedAt   when it registered, epoch ms
     * @param heartbeatAt when it last heartbeat, epoch ms
     */
    public record NodeRecord(int nodeId, String instance, String url, long startedAt, long heartbeatAt) {
    }

    /**
     * Takes {@code nodeId} for {@code instance}: succeeds when the id is free, already this
     * instance's, or held by a node whose last heartbeat is older than {@code staleBefore}.
     * Otherwise returns the node that holds it and changes nothing.
     */
    public Optional<NodeRecord> register(int nodeId, String instance, String url, long now, long staleBefore) {
        return database.transaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement(
                    "INSERT INTO nodes (node_id, instance, url, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?) "
                            + "ON CONFLICT (node_id) DO UPDATE SET instance = excluded.instance, url = excluded.url, "
                            + "started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at "
                            + "WHERE nodes.instance = excluded.instance OR nodes.heartbeat_at < ?")) {
                upsert.setInt(1, nodeId);
                upsert.setString(2, instance);
                upsert.setString(3, url);
                upsert.setLong(4, now);
                upsert.setLong(5, now);
                upsert.setLong(6, staleBefore);
                if (upsert.executeUpdate() == 1) {
                    return Optional.<NodeRecord>empty();
                }
            }
            return find(c, nodeId);
        });
    }

    /** Records that {@code instance} is alive; false when the id is no longer its own (another node took it). */
    public boolean heartbeat(int nodeId, String instance, long now) {
        return database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE nodes SET heartbeat_at = ? WHERE node_id = ? AND instance = ?")) {
                update.setLong(1, now);
                update.setInt(2, nodeId);
                update.setString(3, instance);
                return update.executeUpdate() == 1;
            }
        });
    }

    /** Records where {@code instance}'s node is reached now (its port is known once it listens). */
    public void moved(int nodeId, String instance, String url) {
        database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE nodes SET url = ? WHERE node_id = ? AND instance = ?")) {
                update.setString(1, url);
                update.setInt(2, nodeId);
                update.setString(3, instance);
                update.executeUpdate();
            }
            return null;
        });
    }

    /** Every node that heartbeat at or after {@code aliveSince}, by node id. */
    public List<NodeRecord> alive(long aliveSince) {
        return database.read(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT node_id, instance, url, started_at, heartbeat_at "
                    + "FROM nodes WHERE heartbeat_at >= ? ORDER BY node_id")) {
                select.setLong(1, aliveSince);
                List<NodeRecord> nodes = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        nodes.add(record(rows));
                    }
                }
                return nodes;
            }
        });
    }

    /** Gives the id up on a clean stop, so the others stop waiting for this node at once. */
    public void unregister(int nodeId, String instance) {
        database.transaction(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM nodes WHERE node_id = ? AND instance = ?")) {
                delete.setInt(1, nodeId);
                delete.setString(2, instance);
                delete.executeUpdate();
            }
            return null;
        });
    }

    private static Optional<NodeRecord> find(java.sql.Connection c, int nodeId) throws java.sql.SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT node_id, instance, url, started_at, heartbeat_at "
                + "FROM nodes WHERE node_id = ?")) {
            select.setInt(1, nodeId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(record(rows)) : Optional.empty();
            }
        }
    }

    private static NodeRecord record(ResultSet rows) throws java.sql.SQLException {
        return new NodeRecord(rows.getInt(1), rows.getString(2), rows.getString(3), rows.getLong(4), rows.getLong(5));
    }
}
