package io.larch.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/** The audit trail: append-only, read newest first. */
public final class AuditRepository {
    private static final String COLUMNS = "id, at, actor, client_ip, action, project_id, target, detail";
    private final Database database;

    public AuditRepository(Database database) {
        this.database = database;
    }

    /** Appends an entry inside the caller's transaction, so the action and its record commit together. */
    public void append(Connection c, long at, String actor, String clientIp, String action, Long projectId,
                       String target, String detail) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO audit_log (at, actor, client_ip, action, project_id, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            insert.setLong(1, at);
            insert.setString(2, actor);
            insert.setString(3, clientIp);
            insert.setString(4, action);
            if (projectId == null) {
                insert.setNull(5, Types.INTEGER);
            } else {
                insert.setLong(5, projectId);
            }
            insert.setString(6, target);
            insert.setString(7, detail);
            insert.executeUpdate();
        }
    }

    /**
     * Up to {@code limit} entries with ids below {@code beforeId}, newest first; only
     * {@code projectId}'s when it is not null.
     */
    public List<AuditEntry> list(Long projectId, long beforeId, int limit) {
        return database.read(c -> {
            String where = projectId == null ? "WHERE id < ?" : "WHERE id < ? AND project_id = ?";
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM audit_log " + where + " ORDER BY id DESC LIMIT ?")) {
                int i = 1;
                select.setLong(i++, beforeId);
                if (projectId != null) {
                    select.setLong(i++, projectId);
                }
                select.setInt(i, limit);
                List<AuditEntry> entries = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        long project = rows.getLong(6);
                        Long projectOrNull = rows.wasNull() ? null : project;
                        entries.add(new AuditEntry(rows.getLong(1), rows.getLong(2), rows.getString(3), rows.getString(4),
                                rows.getString(5), projectOrNull, rows.getString(7), rows.getString(8)));
                    }
                }
                return entries;
            }
        });
    }
}
