package io.larch.search;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.part.DuckDbEngine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How DuckDB failures reach the caller. */
class PartSqlTest {
    @Test
    void runningOutOfDuckDbMemoryIsAResourceLimitNotAnInternalError(@TempDir Path tmp) {
        try (DuckDbEngine engine = DuckDbEngine.open(64L << 20, 1, tmp)) {
            // A list aggregate cannot spill to disk: 50 M numbers need far more than 64 MB.
            QueryOutOfMemoryException e = assertThrows(QueryOutOfMemoryException.class, () -> PartSql.run(engine,
                    "SELECT list(i) FROM range(50000000) t(i)", List.of(), QueryBudget.unlimited(), row -> { }));
            assertTrue(e.getMessage().contains("LARCH_DUCKDB_MEMORY_LIMIT"), e.getMessage());
        }
    }

    @Test
    void otherDuckDbErrorsAreQueryFailures(@TempDir Path tmp) {
        try (DuckDbEngine engine = DuckDbEngine.open(64L << 20, 1, tmp)) {
            assertThrows(QueryFailedException.class, () -> PartSql.run(engine,
                    "SELECT * FROM read_parquet('" + tmp.resolve("missing.parquet") + "')", List.of(),
                    QueryBudget.unlimited(), row -> { }));
        }
    }
}
