package io.larch.testing;

import io.larch.datadir.FileNames;
import io.larch.meta.Database;
import io.larch.meta.PartRepository;
import io.larch.model.Kind;
import io.larch.part.DuckDbEngine;
import io.larch.part.FileChecksum;
import io.larch.part.PartRecord;
import io.larch.part.PartSchema;
import io.larch.part.PartState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

/**
 * Writes a large part straight from DuckDB's {@code range()} and publishes it: enough rows to make
 * a query take a while, in seconds instead of an ingest run. No bloom file, so text queries scan it.
 */
public final class BigPart {
    private BigPart() {
    }

    public static void create(Path dataDir, long projectId, long rows) throws Exception {
        String name = FileNames.sealedPartName(0, 999_999, projectId, Kind.APP);
        Path file = FileNames.partFile(dataDir, projectId, Kind.APP, name);
        Files.createDirectories(file.getParent());
        long t0 = 1_700_000_000_000L;
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement()) {
            s.execute("SET threads = 2");
            s.execute("COPY (SELECT i::BIGINT AS id, (" + t0 + " + i)::BIGINT AS ts, (" + t0 + " + i)::BIGINT AS received_at, "
                    + projectId + "::BIGINT AS project_id, 'app' AS kind, (i % 5)::UTINYINT AS level, "
                    + "'request ' || i || ' from user ' || (i % 7919) || ' took ' || (i % 997) || 'ms' AS message, "
                    + "'api' AS source, NULL::VARCHAR AS stack, 'fp' || (i % 13) AS fingerprint, 'u' || (i % 7919) AS user_id, "
                    + "NULL::VARCHAR AS conversation_id, NULL::VARCHAR AS build_id, NULL::VARCHAR AS deployment_id, "
                    + "NULL::VARCHAR AS trace_id, NULL::VARCHAR AS status, MAP {'n': (i % 100)::VARCHAR} AS attrs "
                    + "FROM range(" + rows + ") t(i) ORDER BY ts) TO " + DuckDbEngine.quotePath(file)
                    + " (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE " + PartSchema.ROW_GROUP_SIZE + ")");
        }
        try (Database database = Database.open("jdbc:sqlite:" + dataDir.resolve("larch.db"))) {
            PartRecord part = new PartRecord(0, name, projectId, Kind.APP, PartState.PUBLISHED, 0, t0, t0 + rows - 1,
                    rows - 1, rows, Files.size(file), 0b11111, t0, FileChecksum.of(file), PartRecord.NO_CHECKSUM);
            new PartRepository(database).publishSealed(List.of(part), 0, List.of(999_999L), t0);
        }
    }
}
