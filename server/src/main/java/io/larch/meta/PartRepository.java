package io.larch.meta;

import io.larch.model.Kind;
import io.larch.part.ArchiveState;
import io.larch.part.PartRecord;
import io.larch.part.PartState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/** The part catalog and the record of sealed WAL segments. */
public final class PartRepository {
    private static final String COLUMNS =
            "id, name, project_id, kind, state, node_id, min_ts, max_ts, max_id, row_count, size_bytes, levels, created_at, "
                    + "checksum, rollup_checksum, archive_state";
    private static final String ARCHIVE_COLUMNS = ", archive_key, archive_md5, archived_at, local_deleted_at";
    /** Epoch ms within PostgreSQL's timestamptz (4713 BC to 294276 AD), with a margin: a cutoff beyond is clamped. */
    private static final long TIMESTAMPTZ_MIN_MS = -210_000_000_000_000L;
    private static final long TIMESTAMPTZ_MAX_MS = 9_000_000_000_000_000L;
    /** The retention test on PostgreSQL: the part's time range lies wholly before (?, infinity). */
    static final String ENDED_BY_ON_POSTGRES = "time_range << tstzrange(to_timestamp(? / 1000.0), NULL, '()')";
    private final Database database;

    public PartRepository(Database database) {
        this.database = database;
    }

    public List<PartRecord> listPublished() {
        return select("SELECT " + COLUMNS + " FROM parts WHERE state = 'published' ORDER BY id", PartRepository::read);
    }

    /**
     * Published parts whose newest event is at or before their project's {@code endedBy} (epoch
     * ms), by project, oldest data first: what retention expires.
     * The catalog answers, not a node's snapshot, so with several nodes a part another node
     * published is expired on time too. On PostgreSQL the time test is a range search on the GiST
     * index of {@code time_range} ({@code <<}: the part's range lies wholly before the cutoff).
     */
    public List<PartRecord> listPublishedEndedBy(LongUnaryOperator endedByOfProject) {
        String endedBy = database.isPostgres() ? ENDED_BY_ON_POSTGRES : "max_ts <= ?";
        return database.read(c -> {
            List<Long> projectIds = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT DISTINCT project_id FROM parts WHERE state = 'published' ORDER BY project_id");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    projectIds.add(rows.getLong(1));
                }
            }
            List<PartRecord> due = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM parts WHERE project_id = ? "
                    + "AND state = 'published' AND " + endedBy + " ORDER BY max_ts, id")) {
                for (long projectId : projectIds) {
                    select.setLong(1, projectId);
                    long endedByMs = endedByOfProject.applyAsLong(projectId);
                    select.setLong(2, database.isPostgres() ? Math.clamp(endedByMs, TIMESTAMPTZ_MIN_MS, TIMESTAMPTZ_MAX_MS)
                            : endedByMs);
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            due.add(read(rows));
                        }
                    }
                }
            }
            return due;
        });
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
                rows -> new Quarantined(read(rows), rows.getString(17)));
    }

    /** A part set aside, and why. */
    public record Quarantined(PartRecord part, String reason) {
    }

    /**
     * Retired parts of this node retired at or before {@code retiredBefore} whose bytes are only
     * local (those with archive objects are swept by the lifecycle, which can delete objects).
     */
    public List<PartRecord> listRetired(int nodeId, long retiredBefore) {
        return select("SELECT " + COLUMNS + " FROM parts WHERE state = 'retired' AND node_id = ? AND retired_at <= ? "
                + "AND archive_state = 'local' ORDER BY id", PartRepository::read, nodeId, retiredBefore);
    }

    /** Retired parts of this node retired at or before {@code retiredBefore} that have (or may have) archive objects. */
    public List<ArchiveEntry> listRetiredArchived(int nodeId, long retiredBefore) {
        return select("SELECT " + COLUMNS + ARCHIVE_COLUMNS + " FROM parts WHERE state = 'retired' AND node_id = ? "
                + "AND retired_at <= ? AND archive_state IN ('archiving', 'archived', 'local_deleted') ORDER BY id",
                PartRepository::readArchiveEntry, nodeId, retiredBefore);
    }

    /**
     * Forgets a retired part whose files (and objects) are deleted: a part that retention expired
     * keeps a tombstone row in archive state {@code deleted}; one that compaction replaced is removed.
     */
    public void deleteRetired(long partId) {
        database.transaction(c -> {
            try (PreparedStatement tombstone = c.prepareStatement(
                    "UPDATE parts SET archive_state = 'deleted' WHERE id = ? AND state = 'retired' AND expired_at IS NOT NULL");
                 PreparedStatement delete = c.prepareStatement(
                         "DELETE FROM parts WHERE id = ? AND state = 'retired' AND expired_at IS NULL")) {
                tombstone.setLong(1, partId);
                tombstone.executeUpdate();
                delete.setLong(1, partId);
                return delete.executeUpdate();
            }
        });
    }

    /**
     * Retires published parts whose data is past their project's retention, in one transaction;
     * returns those it retired (a part compacted or quarantined meanwhile is left out).
     */
    public List<PartRecord> expire(List<PartRecord> expired, long now) {
        return database.transaction(c -> {
            List<PartRecord> retired = new ArrayList<>();
            try (PreparedStatement update = c.prepareStatement("UPDATE parts SET state = 'retired', retired_at = ?, "
                    + "expired_at = ? WHERE id = ? AND state = 'published'")) {
                for (PartRecord part : expired) {
                    update.setLong(1, now);
                    update.setLong(2, now);
                    update.setLong(3, part.id());
                    if (update.executeUpdate() == 1) {
                        retired.add(part);
                    }
                }
            }
            return retired;
        });
    }

    /**
     * Retires a quarantined part past its project's retention (its files in {@code quarantine/}
     * already deleted): from then on it is swept like any expired part (its archive objects, then
     * a tombstone). False when it was no longer quarantined.
     */
    public boolean expireQuarantined(long partId, long now) {
        return database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE parts SET state = 'retired', retired_at = ?, "
                    + "expired_at = ? WHERE id = ? AND state = 'quarantined'")) {
                update.setLong(1, now);
                update.setLong(2, now);
                update.setLong(3, partId);
                return update.executeUpdate() == 1;
            }
        });
    }

    /** A part with its archive columns: the object key, its MD5 (hex) and when each archive step happened (0: not yet). */
    public record ArchiveEntry(PartRecord part, String key, String md5Hex, long archivedAt, long localDeletedAt) {
    }

    /** Published parts of this node in archive state {@code state}, oldest data first. */
    public List<ArchiveEntry> listArchive(int nodeId, ArchiveState state) {
        return select("SELECT " + COLUMNS + ARCHIVE_COLUMNS + " FROM parts WHERE state = 'published' AND node_id = ? "
                + "AND archive_state = ? ORDER BY max_ts, id", PartRepository::readArchiveEntry, nodeId, state.wireName());
    }

    /**
     * Moves a part's archive state from {@code from} to {@code to}, recording the key (archiving),
     * the MD5 and time (archived) or the time (local_deleted). False when the part is not in
     * {@code from} any more (or not published): someone else moved it.
     */
    public boolean moveArchive(long partId, ArchiveState from, ArchiveState to, String key, String md5Hex, long now) {
        String set = switch (to) {
            case ARCHIVING -> "archive_key = ?";
            case ARCHIVED -> "archive_md5 = ?, archived_at = ?";
            case LOCAL_DELETED -> "local_deleted_at = ?";
            default -> throw new IllegalArgumentException("the archiver does not move parts to " + to);
        };
        return database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE parts SET archive_state = ?, " + set
                    + " WHERE id = ? AND archive_state = ? AND state = 'published'")) {
                int i = 1;
                update.setString(i++, to.wireName());
                switch (to) {
                    case ARCHIVING -> update.setString(i++, key);
                    case ARCHIVED -> {
                        update.setString(i++, md5Hex);
                        update.setLong(i++, now);
                    }
                    default -> update.setLong(i++, now);
                }
                update.setLong(i++, partId);
                update.setString(i, from.wireName());
                return update.executeUpdate() == 1;
            }
        });
    }

    /** The archive key recorded for a part (from the time it was marked archiving), if any. */
    public Optional<String> archiveKey(long partId) {
        List<String> keys = select("SELECT archive_key FROM parts WHERE id = ? AND archive_key IS NOT NULL",
                rows -> rows.getString(1), partId);
        return keys.stream().findFirst();
    }

    /** Parts, events and bytes by catalog state and archive state, over every node. */
    public List<StateCount> stateCounts() {
        return select("SELECT state, archive_state, COUNT(*), COALESCE(SUM(row_count), 0), COALESCE(SUM(size_bytes), 0) "
                + "FROM parts GROUP BY state, archive_state ORDER BY state, archive_state",
                rows -> new StateCount(PartState.valueOf(rows.getString(1).toUpperCase(Locale.ROOT)),
                        ArchiveState.parse(rows.getString(2)), rows.getLong(3), rows.getLong(4), rows.getLong(5)));
    }

    /** How many parts (with how many events and bytes) are in one catalog state and archive state. */
    public record StateCount(PartState state, ArchiveState archive, long parts, long events, long bytes) {
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
                        + "size_bytes, levels, created_at, checksum, rollup_checksum, archive_state) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
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
            insert.setString(15, part.archive().wireName());
            long id = InsertedId.of(insert);
            return part.withId(id);
        }
    }

    private static PartRecord read(ResultSet rows) throws SQLException {
        return new PartRecord(rows.getLong(1), rows.getString(2), rows.getLong(3),
                Kind.parse(rows.getString(4)).orElseThrow(),
                PartState.valueOf(rows.getString(5).toUpperCase(Locale.ROOT)), rows.getInt(6), rows.getLong(7),
                rows.getLong(8), rows.getLong(9), rows.getLong(10), rows.getLong(11), rows.getInt(12),
                rows.getLong(13), rows.getLong(14), rows.getLong(15), ArchiveState.parse(rows.getString(16)));
    }

    private static ArchiveEntry readArchiveEntry(ResultSet rows) throws SQLException {
        return new ArchiveEntry(read(rows), rows.getString(17), rows.getString(18), rows.getLong(19), rows.getLong(20));
    }
}
