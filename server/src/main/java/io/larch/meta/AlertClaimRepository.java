package io.larch.meta;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What several nodes agree on to send each alert once (migration V12): claims of a firing per
 * rule and group, the suppressed counts of each quiet time summed over the nodes, each rule's
 * flood budget per window, and each node's counts for threshold rules (summed by the others).
 * Every decision is one conditional statement, so exactly one
 * node wins it whatever the others do at the same moment (PostgreSQL's {@code INSERT ... ON
 * CONFLICT DO UPDATE ... WHERE} locks the row it updates; SQLite serializes writers).
 */
public final class AlertClaimRepository {
    private final Database database;

    public AlertClaimRepository(Database database) {
        this.database = database;
    }

    /**
     * Claims the firing of {@code ruleId}'s {@code group} at {@code now}, quiet until {@code
     * quietUntil}: won when no node holds a quiet time for it past {@code now}. Returns empty
     * when won, else the quiet time the winner set.
     */
    public Optional<Long> claimFiring(long ruleId, String group, long now, long quietUntil, int nodeId) {
        return database.transaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO alert_claims (rule_id, alert_group, fired_at, "
                    + "quiet_until, node_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (rule_id, alert_group) DO UPDATE SET "
                    + "fired_at = excluded.fired_at, quiet_until = excluded.quiet_until, node_id = excluded.node_id "
                    + "WHERE alert_claims.quiet_until <= excluded.fired_at RETURNING node_id")) {
                upsert.setLong(1, ruleId);
                upsert.setString(2, group);
                upsert.setLong(3, now);
                upsert.setLong(4, quietUntil);
                upsert.setInt(5, nodeId);
                try (ResultSet rows = upsert.executeQuery()) {
                    if (rows.next()) {
                        return Optional.empty();
                    }
                }
            }
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT quiet_until FROM alert_claims WHERE rule_id = ? AND alert_group = ?")) {
                select.setLong(1, ruleId);
                select.setString(2, group);
                try (ResultSet rows = select.executeQuery()) {
                    // The row exists (the upsert met it); a cleanup in between reads as "quiet until now".
                    return Optional.of(rows.next() ? rows.getLong(1) : now);
                }
            }
        });
    }

    /** Adds what one node suppressed in the quiet time of {@code ruleId}'s {@code group} ending at {@code quietUntil}. */
    public void addSuppressed(long ruleId, String group, long quietUntil, long suppressed) {
        database.transaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO alert_summaries (rule_id, alert_group, "
                    + "quiet_until, suppressed, summarized) VALUES (?, ?, ?, ?, 0) ON CONFLICT (rule_id, alert_group, "
                    + "quiet_until) DO UPDATE SET suppressed = alert_summaries.suppressed + excluded.suppressed")) {
                upsert.setLong(1, ruleId);
                upsert.setString(2, group);
                upsert.setLong(3, quietUntil);
                upsert.setLong(4, suppressed);
                return upsert.executeUpdate();
            }
        });
    }

    /**
     * Claims the summary of that quiet time: the total suppressed over every node when this call
     * is the first to ask, else empty (another node sends it).
     */
    public Optional<Long> claimSummary(long ruleId, String group, long quietUntil) {
        return database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE alert_summaries SET summarized = 1 "
                    + "WHERE rule_id = ? AND alert_group = ? AND quiet_until = ? AND summarized = 0 RETURNING suppressed")) {
                update.setLong(1, ruleId);
                update.setString(2, group);
                update.setLong(3, quietUntil);
                try (ResultSet rows = update.executeQuery()) {
                    return rows.next() ? Optional.of(rows.getLong(1)) : Optional.<Long>empty();
                }
            }
        });
    }

    /** Takes one of {@code max} alerts {@code ruleId} may send in the window starting at {@code windowStart}; false when spent. */
    public boolean takeFloodSlot(long ruleId, long windowStart, int max) {
        return database.transaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO alert_floods (rule_id, window_start, sent) "
                    + "VALUES (?, ?, 1) ON CONFLICT (rule_id, window_start) DO UPDATE SET sent = alert_floods.sent + 1 "
                    + "WHERE alert_floods.sent < ? RETURNING sent")) {
                upsert.setLong(1, ruleId);
                upsert.setLong(2, windowStart);
                upsert.setInt(3, max);
                try (ResultSet rows = upsert.executeQuery()) {
                    return rows.next();
                }
            }
        });
    }

    /** Counts an alert held back (over the budget) in that window, with the events it was about. */
    public void addFloodHeld(long ruleId, long windowStart, long events) {
        database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE alert_floods SET held_alerts = held_alerts + 1, "
                    + "held_events = held_events + ? WHERE rule_id = ? AND window_start = ?")) {
                update.setLong(1, events);
                update.setLong(2, ruleId);
                update.setLong(3, windowStart);
                return update.executeUpdate();
            }
        });
    }

    /** What a window held back: alerts and events. */
    public record Held(long alerts, long events) {
    }

    /** Claims the summary of what that window held back: the totals for the first to ask, else empty. */
    public Optional<Held> claimFloodSummary(long ruleId, long windowStart) {
        return database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE alert_floods SET summarized = 1 WHERE rule_id = ? "
                    + "AND window_start = ? AND summarized = 0 AND held_alerts > 0 RETURNING held_alerts, held_events")) {
                update.setLong(1, ruleId);
                update.setLong(2, windowStart);
                try (ResultSet rows = update.executeQuery()) {
                    return rows.next() ? Optional.of(new Held(rows.getLong(1), rows.getLong(2))) : Optional.<Held>empty();
                }
            }
        });
    }

    /** One node's count for a rule's group in one bucket (its start, epoch ms): events counted, and all (error rate). */
    public record Count(long ruleId, String group, long bucketStart, long counted, long all) {
    }

    /** Adds {@code nodeId}'s counts, in one transaction. */
    public void addCounts(int nodeId, List<Count> counts) {
        database.transaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO alert_counts (rule_id, alert_group, node_id, "
                    + "bucket_start, counted, all_count) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (rule_id, alert_group, node_id, "
                    + "bucket_start) DO UPDATE SET counted = alert_counts.counted + excluded.counted, "
                    + "all_count = alert_counts.all_count + excluded.all_count")) {
                for (Count count : counts) {
                    upsert.setLong(1, count.ruleId());
                    upsert.setString(2, count.group());
                    upsert.setInt(3, nodeId);
                    upsert.setLong(4, count.bucketStart());
                    upsert.setLong(5, count.counted());
                    upsert.setLong(6, count.all());
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            return null;
        });
    }

    /**
     * What the nodes other than {@code nodeId} counted for {@code ruleId}, per group, in buckets
     * starting after {@code after} and not before the group's last firing (a firing starts the
     * count again), plus {@code nodeId}'s own buckets starting before {@code ownBefore} (what it
     * counted before it restarted): {counted, all}.
     */
    public Map<String, long[]> othersCounts(long ruleId, int nodeId, long after, long ownBefore) {
        return database.read(c -> {
            Map<String, long[]> sums = new HashMap<>();
            try (PreparedStatement select = c.prepareStatement("SELECT n.alert_group, SUM(n.counted), SUM(n.all_count) "
                    + "FROM alert_counts n LEFT JOIN alert_claims k ON k.rule_id = n.rule_id AND k.alert_group = n.alert_group "
                    + "WHERE n.rule_id = ? AND (n.node_id <> ? OR n.bucket_start < ?) AND n.bucket_start > ? "
                    + "AND (k.fired_at IS NULL OR n.bucket_start >= k.fired_at) GROUP BY n.alert_group")) {
                select.setLong(1, ruleId);
                select.setInt(2, nodeId);
                select.setLong(3, ownBefore);
                select.setLong(4, after);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        sums.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3)});
                    }
                }
            }
            return sums;
        });
    }

    /** Deletes claims, summaries, flood windows and counts that ended before {@code before}; returns how many rows. */
    public int deleteEndedBefore(long before) {
        return database.transaction(c -> {
            int deleted = 0;
            for (String sql : new String[] {"DELETE FROM alert_claims WHERE quiet_until < ?",
                    "DELETE FROM alert_summaries WHERE quiet_until < ?", "DELETE FROM alert_floods WHERE window_start < ?",
                    "DELETE FROM alert_counts WHERE bucket_start < ?"}) {
                try (PreparedStatement delete = c.prepareStatement(sql)) {
                    delete.setLong(1, before);
                    deleted += delete.executeUpdate();
                }
            }
            return deleted;
        });
    }
}
