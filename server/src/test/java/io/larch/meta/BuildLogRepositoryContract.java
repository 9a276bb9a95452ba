package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The archived build-log objects, on each backend. */
abstract class BuildLogRepositoryContract extends MetadataContract {
    BuildLogRepository buildLogs;
    long shop;

    @Override
    void openRepositories() {
        buildLogs = new BuildLogRepository(database);
        shop = database.transaction(c -> new ProjectRepository(database).insertIfAbsent(c, "shop", "Shop", 0)).orElseThrow().id();
    }

    @Test
    void aBuildsObjectIsRecordedReplacedAndForgotten() {
        BuildLogRecord first = new BuildLogRecord(shop, "b1", "builds/1/b1.ndjson.gz", 10, 3_000_000_000L, 500, "aa", 100);
        BuildLogRecord rewritten = new BuildLogRecord(shop, "b1", "builds/1/b1.ndjson.gz", 12, 3_000_000_007L, 520, "bb", 200);
        assertEquals(Optional.empty(), buildLogs.find(shop, "b1"));
        buildLogs.put(first);
        assertEquals(Optional.of(first), buildLogs.find(shop, "b1"));
        buildLogs.put(rewritten);
        assertEquals(Optional.of(rewritten), buildLogs.find(shop, "b1"));
        assertEquals(Optional.empty(), buildLogs.find(shop + 1, "b1"), "build ids are per project");
        assertTrue(buildLogs.delete(shop, "b1"));
        assertFalse(buildLogs.delete(shop, "b1"));
        assertEquals(Optional.empty(), buildLogs.find(shop, "b1"));
    }
}
