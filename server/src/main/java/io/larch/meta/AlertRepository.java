package io.larch.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Alert rules, what the evaluator counted for them, the fingerprints new-fingerprint rules have
 * seen, and the history of alerts with their deliveries.
 */
public final class AlertRepository {
    /** Alerts kept in the history per project; older ones are deleted as new ones come. */
    static final int HISTORY_PER_PROJECT = 10_000;

    /** A stored rule: {@code definition} is its JSON as the API takes it. */
    public record RuleRecord(long id, long projectId, String name, String definition, String origin, long createdAt,
                             long updatedAt) {
    }

    /** A rule to store: its name, definition (JSON) and origin. */
    public record NewRule(String name, String definition, String origin) {
    }

    /** One channel's delivery of one alert. */
    public record DeliveryRecord(int channel, String type, String target, String status, int attempts, int lastStatus,
                                 String error, long updatedAt) {
    }

    /** One alert sent, with its deliveries. */
    public record HistoryRecord(long id, long projectId, Long ruleId, String ruleName, String type, String group,
                                long count, long at, String title, Long sampleId, List<DeliveryRecord> deliveries) {
    }

    /** A channel an alert is about to be sent on: its type and what the API shows of its target. */
    public record Channel(String type, String target) {
    }

    private final Database database;

    public AlertRepository(Database database) {
        this.database = database;
    }

    public List<RuleRecord> rules() {
        return database.read(c -> selectRules(c, "", null));
    }

    public Optional<RuleRecord> rule(long id) {
        return database.read(c -> selectRules(c, " WHERE id = ?", id).stream().findFirst());
    }

    /** Inserts a rule; a name the project already uses is a conflict the caller reports. */
    public RuleRecord insert(long projectId, NewRule rule, long now) {
        return database.transaction(c -> insert(c, projectId, rule, now));
    }

    /** True when {@code projectId} has a rule named {@code name} other than {@code exceptId}. */
    public boolean nameTaken(long projectId, String name, long exceptId) {
        return database.read(c -> {
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT 1 FROM alert_rules WHERE project_id = ? AND name = ? AND id <> ?")) {
                select.setLong(1, projectId);
                select.setString(2, name);
                select.setLong(3, exceptId);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next();
                }
            }
        });
    }

    /** Replaces a rule's name and definition; its counts are kept (the evaluator decides whether they still apply). */
    public Optional<RuleRecord> update(long id, String name, String definition, long now) {
        return database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE alert_rules SET name = ?, definition = ?, updated_at = ? WHERE id = ?")) {
                update.setString(1, name);
                update.setString(2, definition);
                update.setLong(3, now);
                update.setLong(4, id);
                if (update.executeUpdate() == 0) {
                    return Optional.empty();
                }
            }
            return selectRules(c, " WHERE id = ?", id).stream().findFirst();
        });
    }

    /** Deletes a rule and its counts; its history stays (naming the rule). */
    public boolean delete(long id) {
        return database.transaction(c -> {
            deleteState(c, id);
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM alert_rules WHERE id = ?")) {
                delete.setLong(1, id);
                return delete.executeUpdate() > 0;
            }
        });
    }

    /**
     * Makes the rules of origin {@code file} exactly {@code wanted} (by project, by name), in one
     * transaction: a rule of the same name keeps its id and counts, one no longer there is deleted.
     * A name an API rule already uses is refused (the whole reload is), so nothing is half applied.
     */
    public void replaceFileRules(Map<Long, List<NewRule>> wanted, long now) {
        database.transaction(c -> {
            if (database.isPostgres()) {
                // Read, then write what differs: nodes reloading at once (all starting with the same
                // file) take turns, or both would insert the same new rule. Reads go on meanwhile.
                try (Statement lock = c.createStatement()) {
                    lock.execute("LOCK TABLE alert_rules IN SHARE ROW EXCLUSIVE MODE");
                }
            }
            Map<String, RuleRecord> existing = new HashMap<>();
            for (RuleRecord rule : selectRules(c, "", null)) {
                existing.put(rule.projectId() + "/" + rule.name(), rule);
            }
            java.util.Set<Long> kept = new java.util.HashSet<>();
            for (Map.Entry<Long, List<NewRule>> project : wanted.entrySet()) {
                for (NewRule rule : project.getValue()) {
                    RuleRecord old = existing.get(project.getKey() + "/" + rule.name());
                    if (old == null) {
                        kept.add(insert(c, project.getKey(), rule, now).id());
                    } else if (old.origin().equals("api")) {
                        throw new IllegalStateException("rule '" + rule.name() + "' of project " + project.getKey()
                                + " was made through the API; rename one of them");
                    } else {
                        // The file's own rule, or a default it takes over (the file now owns it).
                        try (PreparedStatement update = c.prepareStatement(
                                "UPDATE alert_rules SET definition = ?, origin = ?, updated_at = ? WHERE id = ?")) {
                            update.setString(1, rule.definition());
                            update.setString(2, rule.origin());
                            update.setLong(3, now);
                            update.setLong(4, old.id());
                            update.executeUpdate();
                        }
                        kept.add(old.id());
                    }
                }
            }
            for (RuleRecord rule : existing.values()) {
                if (rule.origin().equals("file") && !kept.contains(rule.id())) {
                    deleteState(c, rule.id());
                    try (PreparedStatement delete = c.prepareStatement("DELETE FROM alert_rules WHERE id = ?")) {
                        delete.setLong(1, rule.id());
                        delete.executeUpdate();
                    }
                }
            }
            return null;
        });
    }

    /** Every rule's saved state, by rule id. */
    public Map<Long, String> states() {
        return database.read(c -> {
            Map<Long, String> states = new HashMap<>();
            try (Statement select = c.createStatement();
                 ResultSet rows = select.executeQuery("SELECT rule_id, state FROM alert_state")) {
                while (rows.next()) {
                    states.put(rows.getLong(1), rows.getString(2));
                }
            }
            return states;
        });
    }

    /**
     * Writes the evaluator's changes in one transaction: rule states (a rule deleted meanwhile is
     * skipped), states of rules gone, and fingerprints first seen.
     */
    public void saveChanges(Map<Long, String> states, Collection<Long> removed, Map<Long, List<String>> seen, long now) {
        // Rows in key order: two nodes saving overlapping keys then lock them in the same order
        // and wait for each other instead of deadlocking (PostgreSQL locks each row it writes).
        Map<Long, String> sortedStates = new TreeMap<>(states);
        Map<Long, List<String>> sortedSeen = new TreeMap<>();
        seen.forEach((project, fingerprints) -> sortedSeen.put(project, fingerprints.stream().sorted().toList()));
        database.transaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO alert_state (rule_id, state, updated_at) "
                    + "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM alert_rules WHERE id = ?) "
                    + "ON CONFLICT (rule_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at")) {
                for (Map.Entry<Long, String> state : sortedStates.entrySet()) {
                    upsert.setLong(1, state.getKey());
                    upsert.setString(2, state.getValue());
                    upsert.setLong(3, now);
                    upsert.setLong(4, state.getKey());
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            for (long ruleId : removed) {
                deleteState(c, ruleId);
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO alert_seen_fingerprints (project_id, fingerprint, "
                    + "first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                for (Map.Entry<Long, List<String>> project : sortedSeen.entrySet()) {
                    for (String fingerprint : project.getValue()) {
                        insert.setLong(1, project.getKey());
                        insert.setString(2, fingerprint);
                        insert.setLong(3, now);
                        insert.addBatch();
                    }
                }
                insert.executeBatch();
            }
            return null;
        });
    }

    /**
     * The fingerprints of {@code projectId} known so far: seen by a new-fingerprint rule, or
     * learned as a template (so a rule made on a busy project does not call its old errors new).
     */
    public List<String> knownFingerprints(long projectId) {
        return database.read(c -> {
            List<String> known = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT fingerprint FROM alert_seen_fingerprints "
                    + "WHERE project_id = ? UNION SELECT fingerprint FROM fingerprint_templates WHERE project_id = ?")) {
                select.setLong(1, projectId);
                select.setLong(2, projectId);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        known.add(rows.getString(1));
                    }
                }
            }
            return known;
        });
    }

    /** Records an alert about to be sent, each channel pending; returns its history id. */
    public long recordAlert(long projectId, Long ruleId, String ruleName, String type, String group, long count, long at,
                            String title, Long sampleId, List<Channel> channels) {
        return database.transaction(c -> {
            long id;
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO alert_history (project_id, rule_id, rule_name, "
                    + "type, alert_group, count, at, title, sample_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")) {
                insert.setLong(1, projectId);
                setNullableLong(insert, 2, ruleId);
                insert.setString(3, ruleName);
                insert.setString(4, type);
                insert.setString(5, group);
                insert.setLong(6, count);
                insert.setLong(7, at);
                insert.setString(8, title);
                setNullableLong(insert, 9, sampleId);
                id = InsertedId.of(insert);
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO alert_deliveries (history_id, channel, type, "
                    + "target, status, attempts, last_status, error, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, 0, NULL, ?)")) {
                for (int i = 0; i < channels.size(); i++) {
                    insert.setLong(1, id);
                    insert.setInt(2, i);
                    insert.setString(3, channels.get(i).type());
                    insert.setString(4, channels.get(i).target());
                    insert.setLong(5, at);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement prune = c.prepareStatement("DELETE FROM alert_history WHERE project_id = ? AND id <= "
                    + "(SELECT id FROM alert_history WHERE project_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)")) {
                prune.setLong(1, projectId);
                prune.setLong(2, projectId);
                prune.setInt(3, HISTORY_PER_PROJECT);
                prune.executeUpdate();
            }
            return id;
        });
    }

    /** Marks every delivery still pending (the server stopped before it was sent) as failed; returns how many. */
    public int failPending(String error, long now) {
        return database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement(
                    "UPDATE alert_deliveries SET status = 'failed', error = ?, updated_at = ? WHERE status = 'pending'")) {
                update.setString(1, error);
                update.setLong(2, now);
                return update.executeUpdate();
            }
        });
    }

    /**
     * As {@link #failPending}, for deliveries still pending that were recorded before {@code
     * recordedBefore}: with several nodes the others' recent deliveries may still be in progress.
     */
    public int failPendingBefore(String error, long recordedBefore, long now) {
        return database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE alert_deliveries SET status = 'failed', error = ?, "
                    + "updated_at = ? WHERE status = 'pending' AND updated_at < ?")) {
                update.setString(1, error);
                update.setLong(2, now);
                update.setLong(3, recordedBefore);
                return update.executeUpdate();
            }
        });
    }

    /** How one channel's delivery of an alert ended. */
    public void recordDelivery(long historyId, int channel, String status, int attempts, int lastStatus, String error,
                               long now) {
        database.transaction(c -> {
            try (PreparedStatement update = c.prepareStatement("UPDATE alert_deliveries SET status = ?, attempts = ?, "
                    + "last_status = ?, error = ?, updated_at = ? WHERE history_id = ? AND channel = ?")) {
                update.setString(1, status);
                update.setInt(2, attempts);
                update.setInt(3, lastStatus);
                update.setString(4, error);
                update.setLong(5, now);
                update.setLong(6, historyId);
                update.setInt(7, channel);
                update.executeUpdate();
            }
            return null;
        });
    }

    /**
     * The newest alerts first, of one project (null: every project), one rule (null: all), with
     * ids below {@code before}.
     */
    public List<HistoryRecord> history(Long projectId, Long ruleId, long before, int limit) {
        return database.read(c -> {
            StringBuilder sql = new StringBuilder("SELECT id, project_id, rule_id, rule_name, type, alert_group, count, at, "
                    + "title, sample_id FROM alert_history WHERE id < ?");
            if (projectId != null) {
                sql.append(" AND project_id = ?");
            }
            if (ruleId != null) {
                sql.append(" AND rule_id = ?");
            }
            sql.append(" ORDER BY id DESC LIMIT ?");
            Map<Long, HistoryRecord> found = new LinkedHashMap<>();
            try (PreparedStatement select = c.prepareStatement(sql.toString())) {
                int index = 1;
                select.setLong(index++, before);
                if (projectId != null) {
                    select.setLong(index++, projectId);
                }
                if (ruleId != null) {
                    select.setLong(index++, ruleId);
                }
                select.setInt(index, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        long id = rows.getLong(1);
                        found.put(id, new HistoryRecord(id, rows.getLong(2), nullableLong(rows, 3), rows.getString(4),
                                rows.getString(5), rows.getString(6), rows.getLong(7), rows.getLong(8), rows.getString(9),
                                nullableLong(rows, 10), new ArrayList<>()));
                    }
                }
            }
            if (found.isEmpty()) {
                return List.of();
            }
            String marks = String.join(",", java.util.Collections.nCopies(found.size(), "?"));
            try (PreparedStatement select = c.prepareStatement("SELECT history_id, channel, type, target, status, attempts, "
                    + "last_status, error, updated_at FROM alert_deliveries WHERE history_id IN (" + marks + ") "
                    + "ORDER BY history_id, channel")) {
                int index = 1;
                for (long id : found.keySet()) {
                    select.setLong(index++, id);
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        found.get(rows.getLong(1)).deliveries().add(new DeliveryRecord(rows.getInt(2), rows.getString(3),
                                rows.getString(4), rows.getString(5), rows.getInt(6), rows.getInt(7), rows.getString(8),
                                rows.getLong(9)));
                    }
                }
            }
            return List.copyOf(found.values());
        });
    }

    /** Inserts a rule inside the caller's transaction; a name the project already uses fails it. */
    private static RuleRecord insert(Connection c, long projectId, NewRule rule, long now) throws SQLException {
        return insert(c, projectId, rule, now, "").orElseThrow();
    }

    /**
     * Inserts a rule inside the caller's transaction unless the project already has one of that
     * name (then nothing changes and the answer is empty): one statement, so it holds when nodes
     * race to insert the same rule.
     */
    public Optional<RuleRecord> insertIfAbsent(Connection c, long projectId, NewRule rule, long now) throws SQLException {
        return insert(c, projectId, rule, now, " ON CONFLICT (project_id, name) DO NOTHING");
    }

    private static Optional<RuleRecord> insert(Connection c, long projectId, NewRule rule, long now, String onConflict)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO alert_rules (project_id, name, definition, origin, "
                + "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)" + onConflict + " RETURNING id")) {
            insert.setLong(1, projectId);
            insert.setString(2, rule.name());
            insert.setString(3, rule.definition());
            insert.setString(4, rule.origin());
            insert.setLong(5, now);
            insert.setLong(6, now);
            try (ResultSet rows = insert.executeQuery()) {
                return rows.next()
                        ? Optional.of(new RuleRecord(rows.getLong(1), projectId, rule.name(), rule.definition(), rule.origin(),
                                now, now))
                        : Optional.empty();
            }
        }
    }

    private static void deleteState(Connection c, long ruleId) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM alert_state WHERE rule_id = ?")) {
            delete.setLong(1, ruleId);
            delete.executeUpdate();
        }
    }

    private static List<RuleRecord> selectRules(Connection c, String where, Long id) throws SQLException {
        List<RuleRecord> rules = new ArrayList<>();
        try (PreparedStatement select = c.prepareStatement("SELECT id, project_id, name, definition, origin, created_at, "
                + "updated_at FROM alert_rules" + where + " ORDER BY id")) {
            if (id != null) {
                select.setLong(1, id);
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    rules.add(new RuleRecord(rows.getLong(1), rows.getLong(2), rows.getString(3), rows.getString(4),
                            rows.getString(5), rows.getLong(6), rows.getLong(7)));
                }
            }
        }
        return rules;
    }

    private static void setNullableLong(PreparedStatement statement, int index, Long value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value);
        }
    }

    private static Long nullableLong(ResultSet rows, int index) throws SQLException {
        long value = rows.getLong(index);
        return rows.wasNull() ? null : value;
    }
}
