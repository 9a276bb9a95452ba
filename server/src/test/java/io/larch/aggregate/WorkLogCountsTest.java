package io.larch.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.larch.model.EventId;
import io.larch.part.DuckDbEngine;
import io.larch.search.PartSql;
import io.larch.search.QueryBudget;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQL side of work-log counting must spell ids as Java does, or updates in parts join no entry. */
class WorkLogCountsTest {
    @Test
    void idsSpelledInSqlAreEventIdFormat(@TempDir Path tmp) {
        Random random = new Random(13);
        List<Long> ids = new ArrayList<>(List.of(0L, 1L, 31L, 32L, Long.MAX_VALUE, EventId.pack(1_796_000_000_000L, 0, 0),
                EventId.pack(1_796_000_000_000L, EventId.MAX_NODE, EventId.MAX_SEQUENCE)));
        for (int i = 0; i < 500; i++) {
            ids.add(random.nextLong() >>> 1);
        }
        Map<Long, String> expected = ids.stream().collect(Collectors.toMap(id -> id, EventId::format, (a, b) -> a));
        Map<Long, String> spelled = new HashMap<>();
        String values = ids.stream().map(id -> "(" + id + "::BIGINT)").collect(Collectors.joining(", "));
        try (DuckDbEngine engine = DuckDbEngine.open(64L << 20, 1, tmp)) {
            PartSql.run(engine, "SELECT id, " + WorkLogCounts.ID_TEXT + " FROM (VALUES " + values + ") AS t(id)", List.of(),
                    QueryBudget.unlimited(), row -> spelled.put(row.getLong(1), row.getString(2)));
        }
        assertEquals(expected, spelled);
    }
}
