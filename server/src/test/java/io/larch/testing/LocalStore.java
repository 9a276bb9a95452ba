package io.larch.testing;

import io.larch.meta.Database;
import io.larch.meta.PartRecord;
import io.larch.meta.PartRepository;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.query.Aggregator;
import io.larch.query.Searcher;
import io.larch.storage.Compactor;
import io.larch.storage.DuckDbEngine;
import io.larch.storage.EventStore;
import io.larch.storage.PartBlooms;
import io.larch.storage.PartFiles;
import io.larch.storage.PartWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The storage and query engine without HTTP or WAL, on real SQLite and DuckDB in a temp dir:
 * tests seal batches into parts directly and query them.
 */
public final class LocalStore implements AutoCloseable {
    public final Path dataDir;
    public final Database database;
    public final PartRepository parts;
    public final EventStore store;
    public final DuckDbEngine duckDb;
    public final PartFiles partFiles;
    public final PartBlooms blooms;
    public final PartWriter writer;
    public final Searcher searcher;
    public final Aggregator aggregator;
    public final Compactor compactor;
    private long nextSegment = 1;

    public LocalStore(Path dataDir) throws IOException {
        this(dataDir, Compactor.Policy.defaults(), Compactor.Hooks.NONE);
    }

    /** Opens the store as a server start does: removing what an interrupted seal or merge left. */
    public LocalStore(Path dataDir, Compactor.Policy policy, Compactor.Hooks hooks) throws IOException {
        this.dataDir = dataDir;
        MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");
        database = Database.open("jdbc:sqlite:" + dataDir.resolve("larch.db"));
        parts = new PartRepository(database);
        partFiles = new PartFiles(dataDir);
        partFiles.removeUnpublished(parts.namesOnNode(0));
        store = new EventStore(parts, 0, clock);
        nextSegment = parts.sealedSegmentIds(0).stream().mapToLong(Long::longValue).max().orElse(0) + 1;
        duckDb = DuckDbEngine.open(256L * 1024 * 1024, 2, partFiles.tmpDir());
        blooms = new PartBlooms(partFiles);
        writer = new PartWriter(duckDb, partFiles, blooms, 0, clock);
        searcher = new Searcher(store, duckDb, partFiles, blooms);
        aggregator = new Aggregator(store, duckDb, partFiles, blooms);
        compactor = new Compactor(store, writer, partFiles, blooms, parts, 0, clock, policy, hooks);
        compactor.sweepRetired(java.time.Duration.ZERO);
    }

    /** Seals {@code events} as one segment of {@code kind} and publishes its parts. */
    public List<PartRecord> seal(Kind kind, List<LogEvent> events) throws Exception {
        long segment = nextSegment++;
        List<PartRecord> written = writer.writeSealed(events, segment, kind);
        return store.publishSealed(List.of(segment), written);
    }

    /** Puts {@code events} in the head as an unsealed segment. */
    public void addToHead(Kind kind, List<LogEvent> events) {
        store.appendToHead(nextSegment++, kind, events);
    }

    @Override
    public void close() {
        duckDb.close();
        database.close();
    }

    /** Every row of a part file as DuckDB reads it, in file order. */
    public List<LogEvent> rowsOf(Path file) throws java.sql.SQLException {
        List<LogEvent> rows = new java.util.ArrayList<>();
        try (java.sql.Connection connection = duckDb.connect(); java.sql.Statement statement = connection.createStatement();
             java.sql.ResultSet result = statement.executeQuery("SELECT " + io.larch.storage.PartSchema.ALL_COLUMNS
                     + " FROM read_parquet(" + DuckDbEngine.quotePath(file) + ", file_row_number = true) ORDER BY file_row_number")) {
            while (result.next()) {
                rows.add(io.larch.storage.PartRows.read(result));
            }
        }
        return rows;
    }
}
