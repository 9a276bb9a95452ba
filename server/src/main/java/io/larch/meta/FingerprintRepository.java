package io.larch.meta;

import io.larch.model.FingerprintMerge;
import io.larch.model.FingerprintTemplate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Fingerprint templates (text per fingerprint) and merge rules, per project. */
public final class FingerprintRepository {
    /** Fingerprints looked up in one statement, at most (SQLite's parameter limit is far above). */
    private static final int LOOKUP_BATCH = 500;
    private final Database database;

    public FingerprintRepository(Database database) {
        this.database = database;
    }

    /**
     * Records templates (a newer text of a known fingerprint replaces the old one; its first
     * seen stays), in one transaction.
     */
    public void putTemplates(Collection<FingerprintTemplate> templates) {
        if (templates.isEmpty()) {
            return;
        }
        // In key order: nodes upserting overlapping templates then lock rows in the same order (no deadlock).
        List<FingerprintTemplate> sorted = templates.stream()
                .sorted(Comparator.comparingLong(FingerprintTemplate::projectId).thenComparing(FingerprintTemplate::fingerprint))
                .toList();
        database.transaction(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO fingerprint_templates (project_id, fingerprint, "
                    + "source, template, first_seen, serial, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, fingerprint) "
                    + "DO UPDATE SET template = excluded.template, source = excluded.source, updated_at = excluded.updated_at, "
                    + "serial = excluded.serial, "
                    // CASE, not MIN(a, b) (SQLite) or LEAST (PostgreSQL); qualified, as PostgreSQL wants.
                    + "first_seen = CASE WHEN excluded.first_seen < fingerprint_templates.first_seen "
                    + "THEN excluded.first_seen ELSE fingerprint_templates.first_seen END")) {
                for (FingerprintTemplate template : sorted) {
                    upsert.setLong(1, template.projectId());
                    upsert.setString(2, template.fingerprint());
                    upsert.setString(3, template.source());
                    upsert.setString(4, template.template());
                    upsert.setLong(5, template.firstSeen());
                    upsert.setLong(6, template.serial());
                    upsert.setLong(7, template.updatedAt());
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
            return null;
        });
    }

    /** The templates of {@code fingerprints} in {@code projectId} that are recorded, by fingerprint. */
    public Map<String, FingerprintTemplate> templates(long projectId, Collection<String> fingerprints) {
        Map<String, FingerprintTemplate> found = new HashMap<>();
        List<String> all = List.copyOf(fingerprints);
        for (int start = 0; start < all.size(); start += LOOKUP_BATCH) {
            List<String> batch = all.subList(start, Math.min(all.size(), start + LOOKUP_BATCH));
            String marks = String.join(",", Collections.nCopies(batch.size(), "?"));
            database.read(c -> {
                try (PreparedStatement select = c.prepareStatement("SELECT fingerprint, source, template, first_seen, serial, updated_at "
                        + "FROM fingerprint_templates WHERE project_id = ? AND fingerprint IN (" + marks + ")")) {
                    select.setLong(1, projectId);
                    for (int i = 0; i < batch.size(); i++) {
                        select.setString(i + 2, batch.get(i));
                    }
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            found.put(rows.getString(1), new FingerprintTemplate(projectId, rows.getString(1),
                                    rows.getString(2), rows.getString(3), rows.getLong(4), rows.getLong(5), rows.getLong(6)));
                        }
                    }
                }
                return null;
            });
        }
        return found;
    }

    /** Every template of every project, for the extractor to start from what it knew. */
    public List<FingerprintTemplate> allTemplates() {
        return database.read(c -> {
            List<FingerprintTemplate> templates = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT project_id, fingerprint, source, template, first_seen, "
                    + "serial, updated_at FROM fingerprint_templates ORDER BY project_id, serial");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    templates.add(new FingerprintTemplate(rows.getLong(1), rows.getString(2), rows.getString(3),
                            rows.getString(4), rows.getLong(5), rows.getLong(6), rows.getLong(7)));
                }
            }
            return templates;
        });
    }

    /** Records a merge rule (replacing the fingerprint's earlier one) inside the caller's transaction. */
    public void putMerge(Connection c, FingerprintMerge merge) throws SQLException {
        try (PreparedStatement upsert = c.prepareStatement("INSERT INTO fingerprint_merges (project_id, fingerprint, "
                + "into_fingerprint, made_at, made_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, fingerprint) "
                + "DO UPDATE SET into_fingerprint = excluded.into_fingerprint, made_at = excluded.made_at, "
                + "made_by = excluded.made_by")) {
            upsert.setLong(1, merge.projectId());
            upsert.setString(2, merge.fingerprint());
            upsert.setString(3, merge.into());
            upsert.setLong(4, merge.madeAt());
            upsert.setString(5, merge.madeBy());
            upsert.executeUpdate();
        }
    }

    /** Removes the merge rule of {@code fingerprint} inside the caller's transaction; false when there was none. */
    public boolean deleteMerge(Connection c, long projectId, String fingerprint) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement(
                "DELETE FROM fingerprint_merges WHERE project_id = ? AND fingerprint = ?")) {
            delete.setLong(1, projectId);
            delete.setString(2, fingerprint);
            return delete.executeUpdate() > 0;
        }
    }

    /** Every merge rule of every project (the ingest path keeps them in memory), oldest first. */
    public List<FingerprintMerge> allMerges() {
        return database.read(c -> {
            List<FingerprintMerge> merges = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement("SELECT project_id, fingerprint, into_fingerprint, made_at, "
                    + "made_by FROM fingerprint_merges ORDER BY made_at, project_id, fingerprint");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    merges.add(new FingerprintMerge(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getLong(4),
                            rows.getString(5)));
                }
            }
            return merges;
        });
    }
}
