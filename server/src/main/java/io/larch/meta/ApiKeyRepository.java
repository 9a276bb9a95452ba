package io.larch.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** API keys table. Keys are looked up by hash; the plain key is never stored. */
public final class ApiKeyRepository {
    private static final String COLUMNS = "id, project_id, prefix, hash, scopes, name, created_at, revoked_at";
    private final Database database;

    public ApiKeyRepository(Database database) {
        this.database = database;
    }

    public ApiKeyRecord insert(Connection c, long projectId, String prefix, String hash, Set<String> scopes,
                               String name, long createdAt) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO api_keys (project_id, prefix, hash, scopes, name, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id")) {
            insert.setLong(1, projectId);
            insert.setString(2, prefix);
            insert.setString(3, hash);
            insert.setString(4, String.join(",", scopes));
            insert.setString(5, name);
            insert.setLong(6, createdAt);
            long id = InsertedId.of(insert);
            return new ApiKeyRecord(id, projectId, prefix, hash, Set.copyOf(scopes), name,
                    createdAt, null);
        }
    }

    public Optional<ApiKeyRecord> findByHash(String hash) {
        return findOne("hash = ?", hash);
    }

    public Optional<ApiKeyRecord> findById(long id) {
        return findOne("id = ?", id);
    }

    private Optional<ApiKeyRecord> findOne(String condition, Object value) {
        return database.read(c -> {
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM api_keys WHERE " + condition)) {
                select.setObject(1, value);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Optional.of(read(rows)) : Optional.empty();
                }
            }
        });
    }

    public List<ApiKeyRecord> listForProject(long projectId) {
        return database.read(c -> {
            List<ApiKeyRecord> keys = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM api_keys WHERE project_id = ? ORDER BY id")) {
                select.setLong(1, projectId);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        keys.add(read(rows));
                    }
                }
            }
            return keys;
        });
    }

    /** Marks a key revoked; returns false when no live key of that project has that prefix. */
    public boolean revoke(Connection c, long projectId, String prefix, long revokedAt) throws SQLException {
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE api_keys SET revoked_at = ? WHERE project_id = ? AND prefix = ? AND revoked_at IS NULL")) {
            update.setLong(1, revokedAt);
            update.setLong(2, projectId);
            update.setString(3, prefix);
            return update.executeUpdate() > 0;
        }
    }

    private static ApiKeyRecord read(ResultSet rows) throws SQLException {
        long revoked = rows.getLong(8);
        Long revokedAt = rows.wasNull() ? null : revoked;
        Set<String> scopes = new LinkedHashSet<>(Arrays.asList(rows.getString(5).split(",")));
        return new ApiKeyRecord(rows.getLong(1), rows.getLong(2), rows.getString(3), rows.getString(4),
                Set.copyOf(scopes), rows.getString(6), rows.getLong(7), revokedAt);
    }
}
