package io.larch.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Per-project settings: named text values; a missing name means the server's default. */
public final class ProjectSettingRepository {
    private final Database database;

    public ProjectSettingRepository(Database database) {
        this.database = database;
    }

    /** Every setting of {@code projectId}, by name. */
    public Map<String, String> all(long projectId) {
        return database.read(c -> all(c, projectId));
    }

    /** {@link #all(long)} inside the caller's transaction (after {@link #lockForUpdate}, for a read-modify-write). */
    public Map<String, String> all(Connection c, long projectId) throws SQLException {
        Map<String, String> values = new LinkedHashMap<>();
        try (PreparedStatement select = c.prepareStatement(
                "SELECT name, value FROM project_settings WHERE project_id = ? ORDER BY name")) {
            select.setLong(1, projectId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    values.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return values;
    }

    /**
     * Holds {@code projectId}'s settings for the caller's transaction, so that reading them and
     * writing what follows from them is one step: another transaction doing the same (on any
     * node) waits until this one ends, then reads what it wrote. PostgreSQL locks the project's
     * row ({@code FOR UPDATE}, a row that exists even when no setting does); on SQLite the
     * {@link Database}'s single connection already serializes transactions.
     */
    public void lockForUpdate(Connection c, long projectId) throws SQLException {
        if (!database.isPostgres()) {
            return;
        }
        try (PreparedStatement lock = c.prepareStatement("SELECT id FROM projects WHERE id = ? FOR UPDATE")) {
            lock.setLong(1, projectId);
            lock.executeQuery().close();
        }
    }

    /**
     * Sets {@code name} inside the caller's transaction only when it has no value yet; returns
     * whether this call set it. A claim: of two transactions (or nodes) racing, one gets true and
     * the other, waiting for it to commit, false.
     */
    public boolean putIfAbsent(Connection c, long projectId, String name, String value, long now) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO project_settings (project_id, name, value, updated_at) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT (project_id, name) DO NOTHING")) {
            insert.setLong(1, projectId);
            insert.setString(2, name);
            insert.setString(3, value);
            insert.setLong(4, now);
            return insert.executeUpdate() > 0;
        }
    }

    /** Sets {@code name} (null {@code value} removes it, back to the default) inside the caller's transaction. */
    public void put(Connection c, long projectId, String name, String value, long now) throws SQLException {
        if (value == null) {
            try (PreparedStatement delete = c.prepareStatement(
                    "DELETE FROM project_settings WHERE project_id = ? AND name = ?")) {
                delete.setLong(1, projectId);
                delete.setString(2, name);
                delete.executeUpdate();
            }
            return;
        }
        try (PreparedStatement upsert = c.prepareStatement(
                "INSERT INTO project_settings (project_id, name, value, updated_at) VALUES (?, ?, ?, ?) "
                        + "ON CONFLICT (project_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")) {
            upsert.setLong(1, projectId);
            upsert.setString(2, name);
            upsert.setString(3, value);
            upsert.setLong(4, now);
            upsert.executeUpdate();
        }
    }
}
