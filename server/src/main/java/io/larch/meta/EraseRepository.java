package io.larch.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Erase requests ({@link EraseRequest}): created pending, moved to running, counted as parts are
 * rewritten, finished done or failed. Rows are never deleted: they are the record that a user's
 * data was erased. Thread-safe (the {@link Database} serialises access).
 */
public final class EraseRepository {
    private static final String COLUMNS = "id, user_id, project_id, status, requested_at, requested_by, started_at, "
            + "finished_at, parts_checked, parts_rewritten, events_removed, bytes_before, bytes_after, error";
    private final Database database;

    public EraseRepository(Database database) {
        this.database = database;
    }

    /** Inserts a pending request inside the caller's transaction (with its audit entry); returns it. */
    public EraseRequest insert(Connection c, String userId, Long projectId, long now, String requestedBy)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO erase_requests (user_id, project_id, status, "
                + "requested_at, requested_by) VALUES (?, ?, 'pending', ?, ?) RETURNING id")) {
            insert.setString(1, userId);
            if (projectId == null) {
                insert.setNull(2, Types.INTEGER);
            } else {
                insert.setLong(2, projectId);
            }
            insert.setLong(3, now);
            insert.setString(4, requestedBy);
            long id = InsertedId.of(insert);
            return new EraseRequest(id, userId, projectId, EraseRequest.Status.PENDING, now, requestedBy,
                    null, null, 0, 0, 0, null, null, null);
        }
    }

    public Optional<EraseRequest> find(long id) {
        List<EraseRequest> found = select("SELECT " + COLUMNS + " FROM erase_requests WHERE id = ?", id);
        return found.stream().findFirst();
    }

    /** The newest {@code limit} requests, only {@code projectId}'s when it is not null. */
    public List<EraseRequest> listRecent(Long projectId, int limit) {
        return projectId == null
                ? select("SELECT " + COLUMNS + " FROM erase_requests ORDER BY id DESC LIMIT ?", limit)
                : select("SELECT " + COLUMNS + " FROM erase_requests WHERE project_id = ? ORDER BY id DESC LIMIT ?",
                        projectId, limit);
    }

    /** Requests not finished (pending or running), oldest first: the work queue at start-up. */
    public List<EraseRequest> listUnfinished() {
        return select("SELECT " + COLUMNS + " FROM erase_requests WHERE status IN ('pending', 'running') ORDER BY id");
    }

    /**
     * Marks a request running; {@code bytesBefore} is kept from an earlier start when the request
     * resumes after a restart (it describes the data before any of it was erased).
     */
    public void markRunning(long id, long now, long bytesBefore) {
        database.read(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE erase_requests SET status = 'running', "
                    + "started_at = COALESCE(started_at, ?), bytes_before = COALESCE(bytes_before, ?) WHERE id = ?")) {
                update.setLong(1, now);
                update.setLong(2, bytesBefore);
                update.setLong(3, id);
                return update.executeUpdate();
            }
        });
    }

    /** Adds one rewritten part and its removed events, inside the transaction that swaps the part. */
    public void countRewrite(Connection c, long id, long eventsRemoved) throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE erase_requests SET parts_rewritten = parts_rewritten + 1, "
                + "events_removed = events_removed + ? WHERE id = ?")) {
            update.setLong(1, eventsRemoved);
            update.setLong(2, id);
            update.executeUpdate();
        }
    }

    /** Records the builds a part swap removed lines from, inside that swap's transaction. */
    public void addBuilds(Connection c, long id, Collection<ErasedBuild> builds) throws SQLException {
        if (builds.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO erase_builds (request_id, project_id, build_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (ErasedBuild build : builds) {
                insert.setLong(1, id);
                insert.setLong(2, build.projectId());
                insert.setString(3, build.buildId());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /**
     * The builds any request to erase {@code userId} removed lines from, in {@code projectId}
     * (null: every project), in (project, build) order. Every request's, not one's: a request
     * that failed before their objects were rewritten leaves them to the next request for the
     * same user, which finds no part holding the user any more.
     */
    public List<ErasedBuild> builds(String userId, Long projectId) {
        return database.read(c -> {
            List<ErasedBuild> builds = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT DISTINCT b.project_id, b.build_id FROM erase_builds b "
                    + "JOIN erase_requests r ON r.id = b.request_id WHERE r.user_id = ? AND (? IS NULL OR b.project_id = ?) "
                    + "ORDER BY b.project_id, b.build_id")) {
                select.setString(1, userId);
                if (projectId == null) {
                    select.setNull(2, Types.INTEGER);
                    select.setNull(3, Types.INTEGER);
                } else {
                    select.setLong(2, projectId);
                    select.setLong(3, projectId);
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        builds.add(new ErasedBuild(rows.getLong(1), rows.getString(2)));
                    }
                }
            }
            return builds;
        });
    }

    /** Records the parts looked at so far in this pass (a resumed request counts its last pass). */
    public void setPartsChecked(long id, long partsChecked) {
        database.read(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE erase_requests SET parts_checked = ? WHERE id = ?")) {
                update.setLong(1, partsChecked);
                update.setLong(2, id);
                return update.executeUpdate();
            }
        });
    }

    /** Finishes a request (done, or failed with {@code error}) inside the caller's transaction (with its audit entry). */
    public void finish(Connection c, long id, EraseRequest.Status status, long now, Long bytesAfter, String error)
            throws SQLException {
        try (PreparedStatement update = c.prepareStatement("UPDATE erase_requests SET status = ?, finished_at = ?, "
                + "bytes_after = ?, error = ? WHERE id = ?")) {
            update.setString(1, status.wireName());
            update.setLong(2, now);
            if (bytesAfter == null) {
                update.setNull(3, Types.INTEGER);
            } else {
                update.setLong(3, bytesAfter);
            }
            update.setString(4, error);
            update.setLong(5, id);
            update.executeUpdate();
        }
    }

    private List<EraseRequest> select(String sql, Object... parameters) {
        return database.read(c -> {
            List<EraseRequest> results = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    select.setObject(i + 1, parameters[i]);
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        results.add(read(rows));
                    }
                }
            }
            return results;
        });
    }

    private static EraseRequest read(ResultSet rows) throws SQLException {
        return new EraseRequest(rows.getLong(1), rows.getString(2), nullableLong(rows, 3),
                EraseRequest.Status.parse(rows.getString(4)), rows.getLong(5), rows.getString(6), nullableLong(rows, 7),
                nullableLong(rows, 8), rows.getLong(9), rows.getLong(10), rows.getLong(11), nullableLong(rows, 12),
                nullableLong(rows, 13), rows.getString(14));
    }

    private static Long nullableLong(ResultSet rows, int column) throws SQLException {
        long value = rows.getLong(column);
        return rows.wasNull() ? null : value;
    }
}
