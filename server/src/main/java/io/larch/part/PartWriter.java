package io.larch.part;

import io.larch.datadir.FileNames;
import io.larch.datadir.Fsync;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.parquet.ParquetConcat;
import io.larch.parquet.ParquetFooter;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes parts: sealed parts from a WAL segment's events (one part per project, rows sorted by
 * (ts, id), zstd, row groups of {@link PartSchema#ROW_GROUP_SIZE}), and merged parts from smaller
 * ones. Beside each part go its token bloom filters and its rollup (counts per minute, level and
 * fingerprint, which answer most histograms, top fingerprints and totals).
 *
 * <p>Division of work, measured: a sealed part and its rollup are encoded in Java
 * ({@link PartParquetWriter}, {@link RollupParquetWriter}) from the events the head already holds
 * parsed, 1.3-1.5 us per event on one thread; through DuckDB it took ~1.9 us per event to parse
 * them again from NDJSON and encode them. DuckDB writes merged rollups and the merges whose
 * inputs differ in schema.
 */
public final class PartWriter {
    private static final Logger LOG = LoggerFactory.getLogger(PartWriter.class);
    private static final Comparator<LogEvent> PART_ORDER =
            Comparator.comparingLong(LogEvent::ts).thenComparingLong(LogEvent::id);

    private final DuckDbEngine engine;
    private final PartFiles partFiles;
    private final PartBlooms blooms;
    private final int nodeId;
    private final Clock clock;

    public PartWriter(DuckDbEngine engine, PartFiles partFiles, PartBlooms blooms, int nodeId, Clock clock) {
        this.engine = engine;
        this.partFiles = partFiles;
        this.blooms = blooms;
        this.nodeId = nodeId;
        this.clock = clock;
    }

    /**
     * Writes the parts for sealed segments' events (any order, any kinds) and returns their
     * catalog records, not yet published: one part per project and kind. Each file is written
     * under a temporary name, fsynced, then renamed into place; a crash before publication leaves
     * only files that start-up removes ({@link PartFiles#removeUnpublished}).
     */
    public List<PartRecord> writeSealed(List<LogEvent> events, long segmentId) throws IOException {
        List<PartRecord> parts = new ArrayList<>();
        for (Map.Entry<ProjectKind, List<LogEvent>> group : byProjectAndKind(events).entrySet()) {
            long projectId = group.getKey().projectId();
            Kind kind = group.getKey().kind();
            List<LogEvent> projectEvents = group.getValue();
            projectEvents.sort(PART_ORDER);
            parts.add(writeEvents(FileNames.sealedPartName(nodeId, segmentId, projectId, kind), projectId, kind,
                    projectEvents));
        }
        return parts;
    }

    /** What {@link #writeFiltered} wrote: the new part (empty when no row was kept) and the rows left out. */
    public record Filtered(Optional<PartRecord> part, long rowsRemoved) {
    }

    /**
     * Writes {@code input}'s rows that {@code keep} accepts, in their order, as a new part named
     * {@code name}, read from {@code file} (the input's Parquet file, or a local copy of it). Its
     * blooms, postings and rollup are built from the kept rows, so no trace of a removed row is
     * left in them (counts, latest-message samples). When every row is kept nothing is written
     * (the part needs no change); when none is, no part is written either. Returns the record,
     * not yet published; the files are installed like a sealed part's.
     *
     * <p>Reads the part's rows into memory (parts are bounded by compaction's target rows).
     */
    public Filtered writeFiltered(PartRecord input, Path file, String name, Predicate<LogEvent> keep)
            throws IOException {
        List<LogEvent> kept = new ArrayList<>();
        long removed = 0;
        try (Connection connection = engine.connect(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT " + PartSchema.ALL_COLUMNS + " FROM read_parquet("
                     + DuckDbEngine.quotePath(file) + ", file_row_number = true) ORDER BY file_row_number")) {
            while (rows.next()) {
                LogEvent row = PartRows.read(rows);
                if (keep.test(row)) {
                    kept.add(row);
                } else {
                    removed++;
                }
            }
        } catch (SQLException e) {
            throw new IOException("reading part " + input.name() + " to rewrite it failed: " + e.getMessage(), e);
        }
        if (removed + kept.size() != input.rowCount()) {
            throw new IOException("part " + input.name() + " read " + (removed + kept.size()) + " rows, the catalog lists "
                    + input.rowCount());
        }
        if (removed == 0 || kept.isEmpty()) {
            return new Filtered(Optional.empty(), removed);
        }
        // Rows are stored sorted by (ts, id); sorting again keeps that true whatever the source.
        kept.sort(PART_ORDER);
        return new Filtered(Optional.of(writeEvents(name, input.projectId(), input.kind(), kept)), removed);
    }

    /** Writes one part of one project and kind from {@code events} sorted by (ts, id), with its sidecars. */
    private PartRecord writeEvents(String name, long projectId, Kind kind, List<LogEvent> events) throws IOException {
        Path tmp = tmpFile(name, FileNames.PART_SUFFIX);
        Path bloomTmp = tmpFile(name, FileNames.BLOOM_SUFFIX);
        Path postingsTmp = tmpFile(name, FileNames.POSTINGS_SUFFIX);
        Path rollupTmp = tmpFile(name, FileNames.ROLLUP_SUFFIX);
        new PartParquetWriter(PartSchema.ROW_GROUP_SIZE, PartParquetWriter.ZSTD_LEVEL).write(events, tmp);
        TokenBloomWriter.write(events, PartSchema.ROW_GROUP_SIZE, bloomTmp);
        PartPostingsWriter.write(events, postingsTmp);
        RollupParquetWriter.write(events, rollupTmp);
        return install(stats(name, projectId, kind, events), tmp, bloomTmp, postingsTmp, rollupTmp);
    }

    /**
     * Merges {@code inputs} (parts of one project and kind, in time order) into one part holding
     * their rows in that order, each input's rows still sorted. Its blooms are the inputs' blooms,
     * renumbered; only when an input has none are they rebuilt from the merged rows. Returns the
     * record, not yet published; the files are installed like a sealed part's.
     */
    public PartRecord writeMerged(List<PartRecord> inputs, String name) throws IOException, SQLException {
        PartRecord first = inputs.getFirst();
        long minTs = Long.MAX_VALUE;
        long maxTs = Long.MIN_VALUE;
        long maxId = 0;
        long rows = 0;
        int levels = 0;
        List<String> files = new ArrayList<>();
        boolean allRollups = true;
        List<TokenBloom> inputBlooms = new ArrayList<>();
        List<PartPostings> inputPostings = new ArrayList<>();
        List<Long> inputRows = new ArrayList<>();
        for (PartRecord input : inputs) {
            minTs = Math.min(minTs, input.minTs());
            maxTs = Math.max(maxTs, input.maxTs());
            maxId = Math.max(maxId, input.maxId());
            rows += input.rowCount();
            levels |= input.levels();
            files.add(DuckDbEngine.quotePath(partFiles.path(input)));
            allRollups &= Files.exists(partFiles.rollupPath(input));
            inputBlooms.add(blooms.get(input));
            inputPostings.add(blooms.postings(input));
            inputRows.add(input.rowCount());
        }
        PartRecord merged = new PartRecord(0, name, first.projectId(), first.kind(), PartState.PUBLISHED, nodeId, minTs,
                maxTs, maxId, rows, 0, levels, clock.millis(), PartRecord.NO_CHECKSUM, PartRecord.NO_CHECKSUM);
        Path tmp = tmpFile(name, FileNames.PART_SUFFIX);
        Path bloomTmp = tmpFile(name, FileNames.BLOOM_SUFFIX);
        Path postingsTmp = tmpFile(name, FileNames.POSTINGS_SUFFIX);
        Path rollupTmp = tmpFile(name, FileNames.ROLLUP_SUFFIX);
        try (Connection connection = engine.connect(); Statement statement = connection.createStatement()) {
            long written = concatenate(inputs, tmp, statement, files);
            if (written != rows) {
                throw new IOException("merged part " + name + " got " + written + " rows, its inputs hold " + rows);
            }
            boolean bloomsCopied = TokenBloomWriter.concatenate(inputBlooms, inputRows, bloomTmp);
            boolean postingsCopied = PartPostingsWriter.concatenate(inputPostings, inputRows, postingsTmp);
            if (!bloomsCopied || !postingsCopied) {
                rebuildIndexes(statement, tmp, bloomsCopied ? null : bloomTmp, postingsCopied ? null : postingsTmp);
            }
            String rollup = allRollups
                    ? PartSchema.rollupOfRollups(partFiles.readRollups(inputs, false))
                    : PartSchema.rollupOf("read_parquet(" + DuckDbEngine.quotePath(tmp) + ")");
            statement.execute("COPY (" + rollup + ") TO " + DuckDbEngine.quotePath(rollupTmp) + " "
                    + PartSchema.ROLLUP_COPY_OPTIONS);
        }
        return install(merged, tmp, bloomTmp, postingsTmp, rollupTmp);
    }

    /**
     * Writes the inputs' rows in order into {@code tmp}: their row groups copied as they are
     * ({@link ParquetConcat}), or, when their Parquet schemas differ (parts of an older version),
     * rewritten through DuckDB. Returns the rows written.
     */
    private long concatenate(List<PartRecord> inputs, Path tmp, Statement statement, List<String> quotedFiles)
            throws IOException, SQLException {
        try {
            long rows = ParquetConcat.concat(inputs.stream().map(partFiles::path).toList(), tmp);
            // The footer was written here, not by DuckDB: check both readers see every row.
            long listed = ParquetFooter.read(tmp).rowGroups().stream().mapToLong(ParquetFooter.RowGroup::rows).sum();
            try (ResultSet count = statement.executeQuery("SELECT count(*) FROM read_parquet(" + DuckDbEngine.quotePath(tmp) + ")")) {
                count.next();
                if (listed != rows || count.getLong(1) != rows) {
                    throw new IOException("concatenated part lists " + listed + " rows, DuckDB reads " + count.getLong(1)
                            + ", the inputs hold " + rows);
                }
            }
            return rows;
        } catch (ParquetConcat.IncompatibleException e) {
            LOG.info("merging {} parts through DuckDB: {}", inputs.size(), e.getMessage());
            Files.deleteIfExists(tmp);
        }
        // DuckDB keeps the order of the file list and of the rows in each file (insertion order is preserved).
        return statement.executeLargeUpdate("COPY (SELECT " + PartSchema.ALL_COLUMNS + " FROM read_parquet(["
                + String.join(", ", quotedFiles) + "])) TO " + DuckDbEngine.quotePath(tmp) + " " + PartSchema.PART_COPY_OPTIONS);
    }

    /**
     * Rewrites from their parts the rollups written before rollups held samples (the latest
     * message and id per row), so every rollup has the same columns; returns how many were
     * rewritten. Run at start-up, before sealing and compaction start. Only rollups written
     * before checksums can be that old; one that cannot be read is moved aside (its counts then
     * come from the part's rows) rather than keeping the server from starting.
     */
    public int upgradeRollups(List<PartRecord> parts) throws IOException {
        List<PartRecord> legacy = parts.stream().filter(p -> p.rollupChecksum() == PartRecord.NO_CHECKSUM)
                .filter(p -> Files.exists(partFiles.rollupPath(p))).toList();
        int upgraded = 0;
        try (Connection connection = engine.connect(); Statement statement = connection.createStatement()) {
            for (PartRecord part : legacy) {
                Path rollup = partFiles.rollupPath(part);
                try {
                    if (hasSamples(statement, rollup)) {
                        continue;
                    }
                    Path tmp = tmpFile(part.name(), FileNames.ROLLUP_SUFFIX);
                    statement.execute("COPY (" + PartSchema.rollupOf("read_parquet(" + DuckDbEngine.quotePath(partFiles.path(part)) + ")")
                            + ") TO " + DuckDbEngine.quotePath(tmp) + " " + PartSchema.ROLLUP_COPY_OPTIONS);
                    Fsync.file(tmp);
                    Files.move(tmp, rollup, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    Fsync.directory(rollup.getParent());
                    upgraded++;
                } catch (SQLException unreadable) {
                    LOG.warn("the rollup of part {} cannot be read ({}); moved aside, its counts come from the part's rows",
                            part.name(), unreadable.getMessage());
                    partFiles.moveRollupAside(part);
                }
            }
        } catch (SQLException e) {
            throw new IOException("cannot rewrite the rollups of an older version: " + e.getMessage(), e);
        }
        return upgraded;
    }

    private static boolean hasSamples(Statement statement, Path rollup) throws SQLException {
        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM parquet_schema("
                + DuckDbEngine.quotePath(rollup) + ") WHERE name = 'sample'")) {
            rows.next();
            return rows.getLong(1) > 0;
        }
    }

    /** Builds the blooms and/or postings (whichever file is not null) of a merged part from its rows. */
    private static void rebuildIndexes(Statement statement, Path part, Path bloomFile, Path postingsFile)
            throws SQLException, IOException {
        TokenBloomWriter bloom = new TokenBloomWriter(PartSchema.ROW_GROUP_SIZE);
        PartPostingsWriter postings = new PartPostingsWriter();
        try (ResultSet rows = statement.executeQuery("SELECT " + PartSchema.ALL_COLUMNS + " FROM read_parquet("
                + DuckDbEngine.quotePath(part) + ", file_row_number = true) ORDER BY file_row_number")) {
            while (rows.next()) {
                LogEvent row = PartRows.read(rows);
                if (bloomFile != null) {
                    bloom.addRow(row);
                }
                if (postingsFile != null) {
                    postings.addRow(row);
                }
            }
        }
        if (bloomFile != null) {
            bloom.write(bloomFile);
        }
        if (postingsFile != null) {
            postings.write(postingsFile);
        }
    }

    /** The events of each project, in a new list each (sorted in place later). */
    /** Which part an event goes into when a segment is sealed. */
    private record ProjectKind(long projectId, Kind kind) {
    }

    private static Map<ProjectKind, List<LogEvent>> byProjectAndKind(List<LogEvent> events) {
        Map<ProjectKind, List<LogEvent>> groups = new LinkedHashMap<>();
        List<LogEvent> current = null;
        long currentProject = 0;
        Kind currentKind = null;
        for (LogEvent event : events) {
            // Batches come from one project and mostly one kind, so the previous event's list is nearly always the one.
            if (current == null || event.projectId() != currentProject || event.kind() != currentKind) {
                currentProject = event.projectId();
                currentKind = event.kind();
                current = groups.computeIfAbsent(new ProjectKind(currentProject, currentKind), g -> new ArrayList<>());
            }
            current.add(event);
        }
        return groups;
    }

    private PartRecord stats(String name, long projectId, Kind kind, List<LogEvent> events) {
        long minTs = Long.MAX_VALUE;
        long maxTs = Long.MIN_VALUE;
        long maxId = 0;
        int levels = 0;
        for (LogEvent event : events) {
            minTs = Math.min(minTs, event.ts());
            maxTs = Math.max(maxTs, event.ts());
            maxId = Math.max(maxId, event.id());
            levels |= 1 << event.level().severity();
        }
        return new PartRecord(0, name, projectId, kind, PartState.PUBLISHED, nodeId, minTs, maxTs, maxId, events.size(),
                0, levels, clock.millis(), PartRecord.NO_CHECKSUM, PartRecord.NO_CHECKSUM);
    }

    private Path tmpFile(String name, String suffix) throws IOException {
        Path tmp = partFiles.tmpDir().resolve(name + suffix + FileNames.TMP_SUFFIX);
        Files.deleteIfExists(tmp);
        return tmp;
    }

    /**
     * fsync the files, rename them into place, fsync the directory; returns the record with their
     * size and the CRC32C of the part and rollup files (the bloom and postings files carry their own), read
     * back from the written files so that the checksum covers what is on disk.
     */
    private PartRecord install(PartRecord part, Path tmp, Path bloomTmp, Path postingsTmp, Path rollupTmp)
            throws IOException {
        long checksum = FileChecksum.of(tmp);
        long rollupChecksum = FileChecksum.of(rollupTmp);
        Path target = partFiles.path(part);
        Path bloomTarget = partFiles.bloomPath(part);
        Path postingsTarget = partFiles.postingsPath(part);
        Path rollupTarget = partFiles.rollupPath(part);
        Fsync.file(tmp);
        Fsync.file(bloomTmp);
        Fsync.file(postingsTmp);
        Fsync.file(rollupTmp);
        Fsync.createDirectories(target.getParent());
        Files.move(bloomTmp, bloomTarget, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(postingsTmp, postingsTarget, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(rollupTmp, rollupTarget, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Fsync.directory(target.getParent());
        long size = Files.size(target) + Files.size(bloomTarget) + Files.size(postingsTarget) + Files.size(rollupTarget);
        return new PartRecord(0, part.name(), part.projectId(), part.kind(), part.state(), part.nodeId(),
                part.minTs(), part.maxTs(), part.maxId(), part.rowCount(), size, part.levels(), part.createdAt(),
                checksum, rollupChecksum);
    }
}
