package io.larch.meta;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** The Vercel deployments Larch follows and how far each got (table vercel_follows). */
public final class VercelFollowRepository {
    private final Database database;

    public VercelFollowRepository(Database database) {
        this.database = database;
    }

    /**
     * One followed deployment.
     *
     * @param lastTs       the newest event time stored (ms), 0 before the first
     * @param lastIds      the ids of the events stored at exactly {@code lastTs}
     * @param status       following, stopped (the API refused: see {@code error}) ...
     */
    public record VercelFollow(long projectId, String deploymentId, String token, long lastTs, List<String> lastIds,
                               long eventsStored, String status, String error, long createdAt, long updatedAt) {
    }

    /** Starts following (or follows again with a new token, keeping where it got to). */
    public void put(long projectId, String deploymentId, String token, String status, long now) {
        database.transaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement(
                    "INSERT INTO vercel_follows (project_id, deployment_id, token, status, created_at, updated_at) "
                            + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, deployment_id) DO UPDATE SET "
                            + "token = excluded.token, status = excluded.status, error = NULL, updated_at = excluded.updated_at")) {
                upsert.setLong(1, projectId);
                upsert.setString(2, deploymentId);
                upsert.setString(3, token);
                upsert.setString(4, status);
                upsert.setLong(5, now);
                upsert.setLong(6, now);
                upsert.executeUpdate();
            }
            return null;
        });
    }

    /** Records events stored up to {@code lastTs} (whose ids at that time are {@code lastIds}). */
    public void advance(long projectId, String deploymentId, long lastTs, List<String> lastIds, int added, long now) {
        database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE vercel_follows SET last_ts = ?, last_ids = ?, "
                    + "events_stored = events_stored + ?, updated_at = ? WHERE project_id = ? AND deployment_id = ?")) {
                update.setLong(1, lastTs);
                update.setString(2, String.join(",", lastIds));
                update.setInt(3, added);
                update.setLong(4, now);
                update.setLong(5, projectId);
                update.setString(6, deploymentId);
                update.executeUpdate();
            }
            return null;
        });
    }

    /** Sets the status (and the error, null when none). */
    public void status(long projectId, String deploymentId, String status, String error, long now) {
        database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE vercel_follows SET status = ?, error = ?, updated_at = ? "
                    + "WHERE project_id = ? AND deployment_id = ?")) {
                update.setString(1, status);
                update.setString(2, error);
                update.setLong(3, now);
                update.setLong(4, projectId);
                update.setString(5, deploymentId);
                update.executeUpdate();
            }
            return null;
        });
    }

    /** Stops following; false when it was not followed. */
    public boolean delete(long projectId, String deploymentId) {
        return database.transaction(c -> {
            try (PreparedStatement delete = c.prepareStatement(
                    "DELETE FROM vercel_follows WHERE project_id = ? AND deployment_id = ?")) {
                delete.setLong(1, projectId);
                delete.setString(2, deploymentId);
                return delete.executeUpdate() > 0;
            }
        });
    }

    /** Every followed deployment of every project, or of one ({@code projectId} >= 0). */
    public List<VercelFollow> list(long projectId) {
        return database.read(c -> {
            List<VercelFollow> follows = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT project_id, deployment_id, token, last_ts, last_ids, "
                    + "events_stored, status, error, created_at, updated_at FROM vercel_follows"
                    + (projectId >= 0 ? " WHERE project_id = ?" : "") + " ORDER BY project_id, created_at, deployment_id")) {
                if (projectId >= 0) {
                    select.setLong(1, projectId);
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        String ids = rows.getString(5);
                        follows.add(new VercelFollow(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getLong(4),
                                ids.isEmpty() ? List.of() : List.of(ids.split(",")), rows.getLong(6), rows.getString(7),
                                rows.getString(8), rows.getLong(9), rows.getLong(10)));
                    }
                }
            }
            return follows;
        });
    }
}
