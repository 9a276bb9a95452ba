package io.larch.storage;

import io.larch.meta.PartRecord;
import io.larch.meta.PartState;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.model.StoredEventCodec;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns stored-event NDJSON into Parquet parts with DuckDB: one part per project, rows sorted by
 * (ts, id), zstd, row groups of {@link PartSchema#ROW_GROUP_SIZE}; beside each part its token
 * bloom filters, one per row group. DuckDB parses the NDJSON itself, which is several times
 * faster than appending rows from Java (see DESIGN.md); the blooms are built from the same
 * events already parsed in the head.
 */
public final class PartWriter {
    private static final Logger LOG = LoggerFactory.getLogger(PartWriter.class);
    private static final Comparator<LogEvent> PART_ORDER =
            Comparator.comparingLong(LogEvent::ts).thenComparingLong(LogEvent::id);

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
     * their catalog records, not yet published. {@code parsed} are the same events as the head
     * holds them; when they do not match the file (a segment that failed mid-write can hold
     * records the head never saw), the file is decoded instead. Each file is written under a
     * temporary name, fsynced, then renamed into place; a crash before publication leaves only
     * files that start-up removes ({@link PartFiles#removeUnpublished}).
     */
    public List<PartRecord> writeSealed(Path ndjson, long segmentId, Kind kind, List<LogEvent> parsed)
            throws IOException, SQLException {
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
                Map<Long, List<LogEvent>> byProject = rowsByProject(ndjson, parsed, stats);
                for (long[] s : stats) {
                    long projectId = s[0];
                    String name = FileNames.sealedPartName(nodeId, segmentId, projectId);
                    PartRecord part = new PartRecord(0, name, projectId, kind, PartState.PUBLISHED, nodeId, s[1], s[2],
                            s[3], s[4], 0, (int) s[5], clock.millis());
                    Path tmp = tmpFile(name, FileNames.PART_SUFFIX);
                    statement.execute("COPY (SELECT " + PartSchema.ALL_COLUMNS + " FROM sealing WHERE project_id = "
                            + projectId + " ORDER BY ts, id) TO " + DuckDbEngine.quotePath(tmp)
                            + " (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE " + PartSchema.ROW_GROUP_SIZE + ")");
                    Path bloomTmp = tmpFile(name, FileNames.BLOOM_SUFFIX);
                    TokenBloomWriter.write(byProject.get(projectId), PartSchema.ROW_GROUP_SIZE, bloomTmp);
                    parts.add(install(part, tmp, bloomTmp));
                }
            } finally {
                statement.execute("DROP TABLE IF EXISTS sealing");
            }
        }
        return parts;
    }

    /**
     * Merges {@code inputs} (parts of one project and kind) into one new part, sorted by (ts, id),
     * with its blooms rebuilt from the merged rows. Returns the record, not yet published; the
     * files are installed like a sealed part's (temporary name, fsync, rename).
     */
    public PartRecord writeMerged(List<PartRecord> inputs, String name) throws IOException, SQLException {
        PartRecord first = inputs.getFirst();
        long minTs = Long.MAX_VALUE;
        long maxTs = Long.MIN_VALUE;
        long maxId = 0;
        long rows = 0;
        int levels = 0;
        StringBuilder files = new StringBuilder();
        for (PartRecord input : inputs) {
            minTs = Math.min(minTs, input.minTs());
            maxTs = Math.max(maxTs, input.maxTs());
            maxId = Math.max(maxId, input.maxId());
            rows += input.rowCount();
            levels |= input.levels();
            files.append(files.isEmpty() ? "" : ", ").append(DuckDbEngine.quotePath(partFiles.path(input)));
        }
        PartRecord merged = new PartRecord(0, name, first.projectId(), first.kind(), PartState.PUBLISHED, nodeId, minTs,
                maxTs, maxId, rows, 0, levels, clock.millis());
        Path tmp = tmpFile(name, FileNames.PART_SUFFIX);
        Path bloomTmp = tmpFile(name, FileNames.BLOOM_SUFFIX);
        try (Connection connection = engine.connect(); Statement statement = connection.createStatement()) {
            statement.execute("COPY (SELECT " + PartSchema.ALL_COLUMNS + " FROM read_parquet([" + files
                    + "]) ORDER BY ts, id) TO " + DuckDbEngine.quotePath(tmp)
                    + " (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE " + PartSchema.ROW_GROUP_SIZE + ")");
            TokenBloomWriter bloom = new TokenBloomWriter(PartSchema.ROW_GROUP_SIZE);
            long written = 0;
            try (ResultSet text = statement.executeQuery("SELECT message, source, stack FROM read_parquet("
                    + DuckDbEngine.quotePath(tmp) + ", file_row_number = true) ORDER BY file_row_number")) {
                while (text.next()) {
                    bloom.addRow(text.getString(1), text.getString(2), text.getString(3));
                    written++;
                }
            }
            if (written != rows) {
                throw new IOException("merged part " + name + " has " + written + " rows, its inputs " + rows);
            }
            bloom.write(bloomTmp);
        }
        return install(merged, tmp, bloomTmp);
    }

    /** Each project's rows in part order, from the head's events when they match what DuckDB read. */
    private static Map<Long, List<LogEvent>> rowsByProject(Path ndjson, List<LogEvent> parsed, List<long[]> stats)
            throws IOException {
        Map<Long, List<LogEvent>> byProject = group(parsed);
        boolean matches = byProject.size() == stats.size();
        for (long[] s : stats) {
            List<LogEvent> rows = byProject.get(s[0]);
            matches &= rows != null && rows.size() == s[4];
        }
        if (!matches) {
            LOG.info("head events differ from the segment file {}; decoding the file for the bloom filters", ndjson);
            byte[] bytes = Files.readAllBytes(ndjson);
            byProject = group(StoredEventCodec.decodeLines(bytes, 0, bytes.length));
        }
        byProject.values().forEach(rows -> rows.sort(PART_ORDER));
        return byProject;
    }

    private static Map<Long, List<LogEvent>> group(List<LogEvent> events) {
        Map<Long, List<LogEvent>> byProject = new HashMap<>();
        for (LogEvent event : events) {
            byProject.computeIfAbsent(event.projectId(), p -> new ArrayList<>()).add(event);
        }
        return byProject;
    }

    private Path tmpFile(String name, String suffix) throws IOException {
        Path tmp = partFiles.tmpDir().resolve(name + suffix + FileNames.TMP_SUFFIX);
        Files.deleteIfExists(tmp);
        return tmp;
    }

    /** fsync both files, rename them into place, fsync the directory; returns the record with its size. */
    PartRecord install(PartRecord part, Path tmp, Path bloomTmp) throws IOException {
        Path target = partFiles.path(part);
        Path bloomTarget = partFiles.bloomPath(part);
        Fsync.file(tmp);
        Fsync.file(bloomTmp);
        Fsync.createDirectories(target.getParent());
        Files.move(bloomTmp, bloomTarget, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Fsync.directory(target.getParent());
        long size = Files.size(target) + Files.size(bloomTarget);
        return new PartRecord(0, part.name(), part.projectId(), part.kind(), part.state(), part.nodeId(),
                part.minTs(), part.maxTs(), part.maxId(), part.rowCount(), size, part.levels(), part.createdAt());
    }
}
