package io.larch.meta;

import io.larch.model.Kind;
import io.larch.part.PartRecord;
import io.larch.part.PartState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The part catalog and the record of sealed WAL segments. */
public final class PartRepository {
    private static final String COLUMNS =
            "id, name, project_id, kind, state, node_id, min_ts, max_ts, max_id, row_count, size_bytes, levels, created_at, "
                    + "checksum, rollup_checksum";
    private final Database database;

    public PartRepository(Database database) {
        this.database = database;
    }

    public List<PartRecord> listPublished() {
        return select("SELECT " + COLUMNS + " FROM parts WHERE state = 'published' ORDER BY id", PartRepository::read);
    }

    /** Names of every part the catalog knows on this node, published or retired. */
    public Set<String> namesOnNode(int nodeId) {
        return database.read(c -> {
            Set<String> names = new HashSet<>();
            try (PreparedStatement select = c.prepareStatement("SELECT name FROM parts WHERE node_id = ?")) {
                select.setInt(1, nodeId);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        names.add(rows.getString(1));
                    }
                }
            }
            return names;
        });
    }

    /**
     * Publishes the parts made from some WAL segments and records the segments as sealed, in one
     * transaction: either the parts are visible and the segments are known to be sealed, or neither.
     */
    public List<PartRecord> publishSealed(List<PartRecord> parts, int nodeId, List<Long> segmentIds, long now) {
        return database.transaction(c -> {
            List<PartRecord> published = new ArrayList<>(parts.size());
            for (PartRecord part : parts) {
                published.add(insert(c, part));
            }
            try (PreparedStatement sealed = c.prepareStatement(
                    "INSERT INTO sealed_segments (node_id, segment_id, sealed_at) VALUES (?, ?, ?)")) {
                for (long segmentId : segmentIds) {
                    sealed.setInt(1, nodeId);
                    sealed.setLong(2, segmentId);
                    sealed.setLong(3, now);
                    sealed.executeUpdate();
                }
            }
            return published;
        });
    }

    /**
     * Replaces {@code inputs} by {@code merged} in one transaction: the merged part is published
     * and the inputs retired. Fails (and changes nothing) unless every input is still published.
     */
    public PartRecord publishCompacted(List<PartRecord> inputs, PartRecord merged, long now) {
        return replaceParts(inputs, List.of(merged), now, Database.NOTHING_MORE).getFirst();
    }

    /**
     * Replaces {@code retired} by {@code replacements} (0..n parts) in one transaction, together
     * with {@code alsoInTransaction} (a caller's bookkeeping that must commit with the swap): the
     * replacements are published and the retired parts retired. Fails (and changes nothing)
     * unless every retired part is still published (compaction or a quarantine got there first).
     * Returns the replacements with their catalog ids.
     */
    public List<PartRecord> replaceParts(List<PartRecord> retired, List<PartRecord> replacements, long now,
                                         Database.SqlWork<?> alsoInTransaction) {
        return database.transaction(c -> {
            try (PreparedStatement retire = c.prepareStatement(
                    "UPDATE parts SET state = 'retired', retired_at = ? WHERE id = ? AND state = 'published'")) {
                for (PartRecord input : retired) {
                    retire.setLong(1, now);
                    retire.setLong(2, input.id());
                    if (retire.executeUpdate() != 1) {
                        throw new SQLException("part " + input.name() + " is no longer published");
                    }
                }
            }
            List<PartRecord> published = new ArrayList<>(replacements.size());
            for (PartRecord replacement : replacements) {
                published.add(insert(c, replacement));
            }
            alsoInTransaction.run(c);
            return published;
        });
    }

    /**
     * Marks a published part quarantined, with why: queries never see it again. Returns false
     * when it was no longer published (compacted or quarantined meanwhile).
     */
    public boolean quarantine(long partId, String reason) {
        return database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE parts SET state = 'quarantined', quarantine_reason = ? WHERE id = ? AND state = 'published'")) {
                update.setString(1, reason);
                update.setLong(2, partId);
                return update.executeUpdate() == 1;
            }
        });
    }

    /** Quarantined parts with the reason each was set aside, oldest first. */
    public List<Quarantined> listQuarantined() {
        return select("SELECT " + COLUMNS + ", quarantine_reason FROM parts WHERE state = 'quarantined' ORDER BY id",
                rows -> new Quarantined(read(rows), rows.getString(16)));
    }

    /** A part set aside, and why. */
    public record Quarantined(PartRecord part, String reason) {
    }

    /** Retired parts of this node retired at or before {@code retiredBefore}. */
    public List<PartRecord> listRetired(int nodeId, long retiredBefore) {
        return select("SELECT " + COLUMNS + " FROM parts WHERE state = 'retired' AND node_id = ? AND retired_at <= ? ORDER BY id",
                PartRepository::read, nodeId, retiredBefore);
    }

    /** Forgets a retired part whose files are deleted. */
    public void deleteRetired(long partId) {
        database.read(c -> {
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM parts WHERE id = ? AND state = 'retired'")) {
                delete.setLong(1, partId);
                return delete.executeUpdate();
            }
        });
    }

    public Set<Long> sealedSegmentIds(int nodeId) {
        return database.read(c -> {
            Set<Long> ids = new HashSet<>();
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT segment_id FROM sealed_segments WHERE node_id = ?")) {
                select.setInt(1, nodeId);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getLong(1));
                    }
                }
            }
            return ids;
        });
    }

    /** The largest event id in any part of this node, or 0. */
    public long maxEventId(int nodeId) {
        return database.read(c -> {
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT COALESCE(MAX(max_id), 0) FROM parts WHERE node_id = ?")) {
                select.setInt(1, nodeId);
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }

    /** Reads one result row. */
    private interface RowReader<T> {
        T read(ResultSet rows) throws SQLException;
    }

    /** Every row of {@code sql} with {@code parameters} bound in order, each made by {@code reader}. */
    private <T> List<T> select(String sql, RowReader<T> reader, Object... parameters) {
        return database.read(c -> {
            List<T> results = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    select.setObject(i + 1, parameters[i]);
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        results.add(reader.read(rows));
                    }
                }
            }
            return results;
        });
    }

    private static PartRecord insert(Connection c, PartRecord part) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO parts (name, project_id, kind, state, node_id, min_ts, max_ts, max_id, row_count, "
                        + "size_bytes, levels, created_at, checksum, rollup_checksum) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, part.name());
            insert.setLong(2, part.projectId());
            insert.setString(3, part.kind().wireName());
            insert.setString(4, part.state().name().toLowerCase(Locale.ROOT));
            insert.setInt(5, part.nodeId());
            insert.setLong(6, part.minTs());
            insert.setLong(7, part.maxTs());
            insert.setLong(8, part.maxId());
            insert.setLong(9, part.rowCount());
            insert.setLong(10, part.sizeBytes());
            insert.setInt(11, part.levels());
            insert.setLong(12, part.createdAt());
            insert.setLong(13, part.checksum());
            insert.setLong(14, part.rollupChecksum());
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return part.withId(keys.getLong(1));
            }
        }
    }

    private static PartRecord read(ResultSet rows) throws SQLException {
        return new PartRecord(rows.getLong(1), rows.getString(2), rows.getLong(3),
                Kind.parse(rows.getString(4)).orElseThrow(),
                PartState.valueOf(rows.getString(5).toUpperCase(Locale.ROOT)), rows.getInt(6), rows.getLong(7),
                rows.getLong(8), rows.getLong(9), rows.getLong(10), rows.getLong(11), rows.getInt(12),
                rows.getLong(13), rows.getLong(14), rows.getLong(15));
    }
}
