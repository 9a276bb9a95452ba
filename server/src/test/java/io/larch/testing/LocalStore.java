package io.larch.testing;

import io.larch.aggregate.Aggregator;
import io.larch.config.WalDurability;
import io.larch.meta.Database;
import io.larch.meta.PartRepository;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartBlooms;
import io.larch.part.PartFiles;
import io.larch.part.FileChecksum;
import io.larch.part.PartRecord;
import io.larch.part.PartWriter;
import io.larch.search.Searcher;
import io.larch.storage.Compactor;
import io.larch.storage.Engine;
import io.larch.storage.EventStore;
import io.larch.storage.HeadSegment;
import io.larch.wal.WalOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The storage and query engine without HTTP or WAL, on real SQLite and DuckDB in a temp dir:
 * tests seal batches into parts directly and query them.
 */
public final class LocalStore implements AutoCloseable {
    public final Path dataDir;
    public final Database database;
    public final PartRepository parts;
    public final Engine engine;
    public final EventStore store;
    public final DuckDbEngine duckDb;
    public final PartFiles partFiles;
    public final PartBlooms blooms;
    public final PartWriter writer;
    public final Searcher searcher;
    public final Aggregator aggregator;
    public final Compactor compactor;
    public final MutableClock clock;
    private final Compactor.Policy policy;
    private final Compactor.Hooks hooks;
    private long nextSegment;

    public LocalStore(Path dataDir) throws IOException {
        this(dataDir, Compactor.Policy.defaults(), Compactor.Hooks.NONE);
    }

    /** On {@code clock}, which a test keeps across restarts (the store's own starts at 2026-11-22T10:00Z each time). */
    public LocalStore(Path dataDir, MutableClock clock) throws IOException {
        this(dataDir, Compactor.Policy.defaults(), Compactor.Hooks.NONE, clock, 0);
    }

    /** As node {@code nodeId} (its parts and maintenance runs carry that id), on {@code clock}. */
    public LocalStore(Path dataDir, MutableClock clock, int nodeId) throws IOException {
        this(dataDir, Compactor.Policy.defaults(), Compactor.Hooks.NONE, clock, nodeId);
    }

    /**
     * Opens the engine as a server start does (removing what an interrupted seal or merge left),
     * without starting the WAL, the sealer or the compactor: tests seal and compact by hand.
     */
    public LocalStore(Path dataDir, Compactor.Policy policy, Compactor.Hooks hooks) throws IOException {
        this(dataDir, policy, hooks, MutableClock.at("2026-11-22T10:00:00Z"), 0);
    }

    private LocalStore(Path dataDir, Compactor.Policy policy, Compactor.Hooks hooks, MutableClock clock, int nodeId)
            throws IOException {
        this(dataDir, policy, hooks, clock, nodeId, "jdbc:sqlite:" + dataDir.resolve("larch.db"), false);
    }

    /**
     * [several nodes] Node {@code nodeId} with its own data dir on the catalog at {@code databaseUrl},
     * which other nodes share: its snapshot starts with its own parts, and a shared catalog refresh
     * ({@code Maintenance.sharedCatalog()}) adds the others'.
     */
    public static LocalStore sharing(Path dataDir, int nodeId, String databaseUrl) throws IOException {
        return new LocalStore(dataDir, Compactor.Policy.defaults(), Compactor.Hooks.NONE,
                MutableClock.at("2026-11-22T10:00:00Z"), nodeId, databaseUrl, true);
    }

    private LocalStore(Path dataDir, Compactor.Policy policy, Compactor.Hooks hooks, MutableClock clock, int nodeId,
                       String databaseUrl, boolean shared) throws IOException {
        this.dataDir = dataDir;
        this.policy = policy;
        this.hooks = hooks;
        this.clock = clock;
        database = Database.open(databaseUrl);
        parts = new PartRepository(database);
        WalOptions wal = new WalOptions(dataDir, WalDurability.NONE, Duration.ofMillis(5), 16L << 20, Duration.ofHours(1));
        engine = Engine.open(new Engine.Options(dataDir, nodeId, 256L << 20, 2, wal, policy, hooks, Duration.ofHours(24),
                256L << 20, shared), parts, clock);
        store = engine.store();
        duckDb = engine.queryDuckDb();
        partFiles = engine.partFiles();
        blooms = engine.blooms();
        writer = engine.partWriter();
        compactor = engine.compactor();
        searcher = new Searcher(engine);
        aggregator = new Aggregator(engine);
        nextSegment = parts.sealedSegmentIds(nodeId).stream().mapToLong(Long::longValue).max().orElse(0) + 1;
    }

    /** Seals {@code events} as one segment of {@code kind} and publishes its parts. */
    public List<PartRecord> seal(Kind kind, List<LogEvent> events) throws Exception {
        long segment = nextSegment++;
        List<PartRecord> written = writer.writeSealed(events, segment);
        return store.publishSealed(List.of(segment), written);
    }

    /**
     * Seals every head segment into parts and publishes them in its place, one segment at a
     * time as the sealer does when it keeps up.
     */
    public void sealHead() throws IOException {
        for (HeadSegment segment : store.snapshot().head()) {
            List<PartRecord> written = writer.writeSealed(segment.events(), segment.segmentId());
            store.publishSealed(List.of(segment.segmentId()), written);
        }
    }

    /**
     * Records the current files of {@code part} in the catalog as whole (new checksums), for a
     * test that rewrote them on purpose (another codec, an older format), then reopens the store
     * as a restart would: use the returned store, this one is closed.
     */
    public LocalStore acceptRewrittenFiles(PartRecord part) throws IOException {
        long checksum = FileChecksum.of(partFiles.path(part));
        long rollupChecksum = Files.exists(partFiles.rollupPath(part)) ? FileChecksum.of(partFiles.rollupPath(part))
                : PartRecord.NO_CHECKSUM;
        database.transaction(c -> {
            try (java.sql.PreparedStatement update = c.prepareStatement(
                    "UPDATE parts SET checksum = ?, rollup_checksum = ? WHERE id = ?")) {
                update.setLong(1, checksum);
                update.setLong(2, rollupChecksum);
                update.setLong(3, part.id());
                return update.executeUpdate();
            }
        });
        close();
        return new LocalStore(dataDir, policy, hooks);
    }

    /** Puts {@code events} in the head as an unsealed segment. */
    public void addToHead(Kind kind, List<LogEvent> events) {
        store.appendToHead(nextSegment++, kind, events);
    }

    @Override
    public void close() {
        engine.close();
        database.close();
    }

    /** Every row of a part file as DuckDB reads it, in file order. */
    public List<LogEvent> rowsOf(Path file) throws java.sql.SQLException {
        List<LogEvent> rows = new java.util.ArrayList<>();
        try (java.sql.Connection connection = duckDb.connect(); java.sql.Statement statement = connection.createStatement();
             java.sql.ResultSet result = statement.executeQuery("SELECT " + io.larch.part.PartSchema.ALL_COLUMNS
                     + " FROM read_parquet(" + DuckDbEngine.quotePath(file) + ", file_row_number = true) ORDER BY file_row_number")) {
            while (result.next()) {
                rows.add(io.larch.part.PartRows.read(result));
            }
        }
        return rows;
    }
}
