package io.larch.meta;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/** The archived build log objects: one row per (project, build), replaced when the build's object is rewritten. */
public final class BuildLogRepository {
    private final Database database;

    public BuildLogRepository(Database database) {
        this.database = database;
    }

    /** Records {@code record}, replacing what was recorded for its build. */
    public void put(BuildLogRecord record) {
        database.read(c -> {
            try (PreparedStatement upsert = c.prepareStatement(
                    "INSERT INTO build_logs (project_id, build_id, object_key, line_count, max_event_id, size_bytes, "
                            + "md5_hex, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, build_id) "
                            + "DO UPDATE SET object_key = excluded.object_key, line_count = excluded.line_count, "
                            + "max_event_id = excluded.max_event_id, size_bytes = excluded.size_bytes, "
                            + "md5_hex = excluded.md5_hex, written_at = excluded.written_at")) {
                upsert.setLong(1, record.projectId());
                upsert.setString(2, record.buildId());
                upsert.setString(3, record.objectKey());
                upsert.setLong(4, record.lineCount());
                upsert.setLong(5, record.maxEventId());
                upsert.setLong(6, record.sizeBytes());
                upsert.setString(7, record.md5Hex());
                upsert.setLong(8, record.writtenAt());
                return upsert.executeUpdate();
            }
        });
    }

    /** What is recorded for the build, or empty when it has no object (yet). */
    public Optional<BuildLogRecord> find(long projectId, String buildId) {
        return database.read(c -> {
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT object_key, line_count, max_event_id, size_bytes, md5_hex, written_at FROM build_logs "
                            + "WHERE project_id = ? AND build_id = ?")) {
                select.setLong(1, projectId);
                select.setString(2, buildId);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new BuildLogRecord(projectId, buildId, row.getString(1), row.getLong(2),
                            row.getLong(3), row.getLong(4), row.getString(5), row.getLong(6)));
                }
            }
        });
    }

    /** Forgets the build's object (it was deleted); false when none was recorded. */
    public boolean delete(long projectId, String buildId) {
        return database.read(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM build_logs WHERE project_id = ? AND build_id = ?")) {
                delete.setLong(1, projectId);
                delete.setString(2, buildId);
                return delete.executeUpdate() > 0;
            }
        });
    }
}
