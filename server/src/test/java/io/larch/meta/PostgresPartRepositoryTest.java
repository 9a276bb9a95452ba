package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PostgresPartRepositoryTest extends PartRepositoryContract {
    @Override
    Backend backend() {
        return Backend.POSTGRES;
    }

    @Test
    void timeRangeIsIndexedWithGist() {
        String definition = database.read(c -> {
            try (Statement select = c.createStatement();
                 ResultSet rows = select.executeQuery("SELECT indexdef FROM pg_indexes WHERE indexname = 'parts_by_time_range'")) {
                return rows.next() ? rows.getString(1) : "";
            }
        });
        assertTrue(definition.contains("USING gist (time_range)"), definition);
    }

    /** On a catalog of 20,000 parts the retention lookup is a search of the GiST index, not a scan. */
    @Test
    void theRetentionLookupUsesTheGistIndex() {
        String plan = database.read(c -> {
            try (Statement fill = c.createStatement()) {
                fill.execute("INSERT INTO parts (name, project_id, kind, state, node_id, min_ts, max_ts, max_id, row_count, "
                        + "size_bytes, levels, created_at) SELECT 'p' || i, 1 + i % 3, 'app', 'published', 0, i * 60000, "
                        + "i * 60000 + 59999, i, 100, 1000, 4, 0 FROM generate_series(1, 20000) AS i");
                fill.execute("ANALYZE parts");
            }
            try (PreparedStatement explain = c.prepareStatement("EXPLAIN SELECT id FROM parts WHERE project_id = ? "
                    + "AND state = 'published' AND " + PartRepository.ENDED_BY_ON_POSTGRES)) {
                explain.setLong(1, 1);
                explain.setLong(2, 100L * 60000);
                StringBuilder lines = new StringBuilder();
                try (ResultSet rows = explain.executeQuery()) {
                    while (rows.next()) {
                        lines.append(rows.getString(1)).append('\n');
                    }
                }
                return lines.toString();
            }
        });
        assertTrue(plan.contains("parts_by_time_range"), plan);
        assertEquals(33, parts.listPublishedEndedBy(projectId -> 100L * 60000).stream()
                .filter(p -> p.projectId() == 1).count(), "parts 3, 6, ... 99 of project 1");
    }
}
