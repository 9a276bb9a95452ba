package io.larch.meta;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/** The record of maintenance runs: what started each, when it ended, how, and what it did. */
public final class MaintenanceRunRepository {
    private final Database database;

    public MaintenanceRunRepository(Database database) {
        this.database = database;
    }

    /** One run; {@code finishedAt} 0 and {@code outcome} null while it runs (or when the process died during it). */
    public record MaintenanceRun(long id, int nodeId, String trigger, long startedAt, long finishedAt, String outcome,
                                 String summaryJson) {
    }

    /** Records that a run started; returns its id. */
    public long started(int nodeId, String trigger, long now) {
        return database.read(c -> {
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO maintenance_runs (node_id, trigger, started_at) VALUES (?, ?, ?) RETURNING id")) {
                insert.setInt(1, nodeId);
                insert.setString(2, trigger);
                insert.setLong(3, now);
                return InsertedId.of(insert);
            }
        });
    }

    public void finished(long runId, long now, String outcome, String summaryJson) {
        database.read(c -> {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE maintenance_runs SET finished_at = ?, outcome = ?, summary = ? WHERE id = ?")) {
                update.setLong(1, now);
                update.setString(2, outcome);
                update.setString(3, summaryJson);
                update.setLong(4, runId);
                return update.executeUpdate();
            }
        });
    }

    /** The latest run of this node, if any. */
    public Optional<MaintenanceRun> latest(int nodeId) {
        return database.read(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT id, node_id, trigger, started_at, finished_at, "
                    + "outcome, summary FROM maintenance_runs WHERE node_id = ? ORDER BY id DESC LIMIT 1")) {
                select.setInt(1, nodeId);
                try (ResultSet rows = select.executeQuery()) {
                    if (!rows.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new MaintenanceRun(rows.getLong(1), rows.getInt(2), rows.getString(3),
                            rows.getLong(4), rows.getLong(5), rows.getString(6), rows.getString(7)));
                }
            }
        });
    }
}
