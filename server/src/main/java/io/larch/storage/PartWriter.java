package io.larch.storage;

import io.larch.meta.PartRecord;
import io.larch.meta.PartState;
import io.larch.model.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns stored-event NDJSON into Parquet parts with DuckDB: one part per project, rows sorted by
 * (ts, id), zstd, small row groups. DuckDB parses the NDJSON itself, which is several times
 * faster than appending rows from Java (see DESIGN.md).
 */
public final class PartWriter {
    private final DuckDbEngine engine;
    private final PartFiles partFiles;
    private final int nodeId;
    private final Clock clock;

    public PartWriter(DuckDbEngine engine, PartFiles partFiles, int nodeId, Clock clock) {
        this.engine = engine;
        this.partFiles = partFiles;
        this.nodeId = nodeId;
        this.clock = clock;
    }

    /**
     * Writes the parts for the events in {@code ndjson} (a sealed segment's payloads) and returns
     * their catalog records, not yet published. Each file is written under a temporary name,
     * fsynced, then renamed into place; a crash before publication leaves only files that
     * start-up removes ({@link PartFiles#removeUnpublished}).
     */
    public List<PartRecord> writeSealed(Path ndjson, long segmentId, Kind kind) throws IOException, SQLException {
        List<PartRecord> parts = new ArrayList<>();
        try (Connection connection = engine.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TEMP TABLE sealing AS SELECT * FROM read_json(" + DuckDbEngine.quotePath(ndjson)
                    + ", format = 'newline_delimited', columns = " + PartSchema.READ_JSON_COLUMNS
                    + ", maximum_object_size = 16777216)");
            try {
                List<long[]> stats = new ArrayList<>();
                try (ResultSet rows = statement.executeQuery("SELECT project_id, min(ts), max(ts), max(id), count(*), "
                        + "bit_or(1::INTEGER << level) FROM sealing GROUP BY project_id ORDER BY project_id")) {
                    while (rows.next()) {
                        stats.add(new long[] {rows.getLong(1), rows.getLong(2), rows.getLong(3), rows.getLong(4),
                                rows.getLong(5), rows.getLong(6)});
                    }
                }
                for (long[] s : stats) {
                    long projectId = s[0];
                    String name = FileNames.sealedPartName(nodeId, segmentId, projectId);
                    PartRecord part = new PartRecord(0, name, projectId, kind, PartState.PUBLISHED, nodeId, s[1], s[2],
                            s[3], s[4], 0, (int) s[5], clock.millis());
                    Path target = partFiles.path(part);
                    Path tmp = partFiles.tmpDir().resolve(name + FileNames.PART_SUFFIX + FileNames.TMP_SUFFIX);
                    Files.deleteIfExists(tmp);
                    statement.execute("COPY (SELECT " + PartSchema.ALL_COLUMNS + " FROM sealing WHERE project_id = "
                            + projectId + " ORDER BY ts, id) TO " + DuckDbEngine.quotePath(tmp)
                            + " (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE " + PartSchema.ROW_GROUP_SIZE + ")");
                    parts.add(install(part, tmp, target));
                }
            } finally {
                statement.execute("DROP TABLE IF EXISTS sealing");
            }
        }
        return parts;
    }

    /** fsync, rename into place, fsync the directory; returns the record with its size. */
    private static PartRecord install(PartRecord part, Path tmp, Path target) throws IOException {
        Fsync.file(tmp);
        Fsync.createDirectories(target.getParent());
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Fsync.directory(target.getParent());
        long size = Files.size(target);
        return new PartRecord(0, part.name(), part.projectId(), part.kind(), part.state(), part.nodeId(),
                part.minTs(), part.maxTs(), part.maxId(), part.rowCount(), size, part.levels(), part.createdAt());
    }
}
