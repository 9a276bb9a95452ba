package io.larch.storage;

import io.larch.config.LarchConfig;
import io.larch.meta.PartRepository;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartBlooms;
import io.larch.part.PartFiles;
import io.larch.part.PartWriter;
import io.larch.wal.WalListener;
import io.larch.wal.WalOptions;
import io.larch.wal.WalRecovery;
import io.larch.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage engine of one data dir, assembled in one place for the server, the CLI and the
 * tests: part files, DuckDB, token blooms, the part writer, the head and published parts
 * ({@link EventStore}), the compactor, the sealer and the WAL. Searching and aggregating are
 * built over it ({@code new Searcher(engine)}, {@code new Aggregator(engine)}).
 *
 * <p>Open ({@link #open}), in this order: remove part files an interrupted seal left (their
 * segments are sealed again); replay the WAL segments not yet sealed into the head; open DuckDB;
 * delete the files of parts that compaction replaced; upgrade old rollups. Nothing runs in the
 * background yet, so tests can seal and compact by hand. {@link #start} then starts the sealer
 * (re-sealing the replayed segments), the compactor and the scrubber (every part checked against
 * its checksums each {@link Options#scrubInterval}), and opens the WAL for appends last, so
 * no event is acknowledged before everything that handles it runs. {@link #openReadOnly} (the
 * CLI on a data dir) replays the WAL without deleting anything and opens only what queries need.
 *
 * <p>Close is the reverse: the WAL first (queued batches are written and fsynced), then the
 * sealer (after the seal in progress), the compactor and DuckDB. Whatever was not sealed is
 * replayed at the next open. The metadata database belongs to the caller and outlives this.
 * Not thread-safe to open, start or close; the components are thread-safe once open.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    /** The smallest memory limit of the background DuckDB that seals and compacts. */
    private static final long MIN_WRITE_MEMORY_BYTES = 256L << 20;
    /** The longest a new server waits before its first scrub. */
    private static final Duration FIRST_SCRUB_DELAY = Duration.ofMinutes(10);

    /** What the engine needs from the configuration. */
    public record Options(Path dataDir, int nodeId, long duckdbMemoryLimitBytes, int duckdbThreads, WalOptions wal,
                          Compactor.Policy compaction, Compactor.Hooks compactionHooks, Duration scrubInterval,
                          long headIndexMaxBytes, boolean shared) {
        /** A node alone on its catalog. */
        public Options(Path dataDir, int nodeId, long duckdbMemoryLimitBytes, int duckdbThreads, WalOptions wal,
                       Compactor.Policy compaction, Compactor.Hooks compactionHooks, Duration scrubInterval,
                       long headIndexMaxBytes) {
            this(dataDir, nodeId, duckdbMemoryLimitBytes, duckdbThreads, wal, compaction, compactionHooks, scrubInterval,
                    headIndexMaxBytes, false);
        }

        public static Options of(LarchConfig config) {
            return new Options(config.dataDir(), config.nodeId(), config.duckdbMemoryLimitBytes(),
                    config.duckdbThreads(), new WalOptions(config.dataDir(), config.walDurability(),
                    config.walBatchInterval(), config.walSegmentMaxBytes(), config.walSegmentMaxAge()),
                    Compactor.Policy.defaults(), Compactor.Hooks.NONE, config.scrubInterval(),
                    config.headIndexMaxBytes(), config.metadata().isPostgres());
        }
    }

    private final Options options;
    private final PartFiles partFiles;
    private final PartBlooms blooms;
    private final PartIntegrity integrity;
    private final EventStore store;
    private final WalRecovery.Result recovered;
    private final long maxEventId;
    private DuckDbEngine queryDuckDb;
    private DuckDbEngine writeDuckDb;
    private PartWriter partWriter;
    private Compactor compactor;
    private Sealer sealer;
    private WriteAheadLog wal;
    private ScheduledExecutorService scrubber;
    private boolean closed;

    private Engine(Options options, PartRepository parts, Clock clock, boolean readOnly) throws IOException {
        this.options = options;
        this.partFiles = new PartFiles(options.dataDir());
        if (!readOnly) {
            int removed = partFiles.removeUnpublished(parts.namesOnNode(options.nodeId()));
            if (removed > 0) {
                LOG.info("removed {} part files left by an interrupted seal; their WAL segments are sealed again", removed);
            }
        }
        this.recovered = WalRecovery.recover(options.dataDir(), parts.sealedSegmentIds(options.nodeId()), readOnly);
        this.store = new EventStore(parts, options.nodeId(), clock, new HeadIndexMemory(options.headIndexMaxBytes()),
                options.shared());
        for (WalRecovery.RecoveredSegment segment : recovered.segments()) {
            store.appendToHead(segment.segmentId(), segment.kind(), segment.events());
        }
        if (!recovered.segments().isEmpty()) {
            LOG.info("replayed {} events from {} WAL segments ({} with a torn tail cut)", store.headEventCount(),
                    recovered.segments().size(), recovered.tornSegments());
        }
        this.maxEventId = Math.max(recovered.maxEventId(), parts.maxEventId(options.nodeId()));
        this.blooms = new PartBlooms(partFiles);
        this.integrity = new PartIntegrity(store, partFiles, blooms, readOnly);
    }

    /** Opens the data dir for reading and writing; see the class comment for the steps. */
    public static Engine open(Options options, PartRepository parts, Clock clock) throws IOException {
        Engine engine = new Engine(options, parts, clock, false);
        try {
            engine.openWriting(parts, clock);
            return engine;
        } catch (IOException | RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** Opens a data dir another process may own, for queries: nothing on disk is changed. */
    public static Engine openReadOnly(Options options, PartRepository parts, Clock clock) throws IOException {
        Engine engine = new Engine(options, parts, clock, true);
        engine.queryDuckDb = DuckDbEngine.open(options.duckdbMemoryLimitBytes(), options.duckdbThreads(),
                engine.partFiles.tmpDir());
        return engine;
    }

    private void openWriting(PartRepository parts, Clock clock) throws IOException {
        queryDuckDb = DuckDbEngine.open(options.duckdbMemoryLimitBytes(), options.duckdbThreads(), partFiles.tmpDir());
        // Sealing and compaction get their own single-threaded DuckDB: they are background work,
        // and one thread leaves the other core to ingest and queries.
        writeDuckDb = DuckDbEngine.open(Math.max(MIN_WRITE_MEMORY_BYTES, options.duckdbMemoryLimitBytes() / 4), 1,
                partFiles.tmpDir());
        partWriter = new PartWriter(writeDuckDb, partFiles, blooms, options.nodeId(), clock);
        compactor = new Compactor(store, partWriter, partFiles, blooms, parts, integrity, options.nodeId(), clock,
                options.compaction(), options.compactionHooks());
        int swept = compactor.sweepRetired(Duration.ZERO);
        if (swept > 0) {
            LOG.info("deleted the files of {} parts replaced by compaction before the last stop", swept);
        }
        int movedAside = integrity.finishQuarantines();
        if (movedAside > 0) {
            LOG.info("moved the files of {} quarantined parts aside (a crash came between quarantine and move)", movedAside);
        }
        int upgraded = partWriter.upgradeRollups(store.snapshot().parts());
        if (upgraded > 0) {
            LOG.info("rewrote {} rollups from an older version to hold the latest message per row", upgraded);
        }
        sealer = new Sealer(store, partWriter, new WalSegments(options.dataDir()));
    }

    /**
     * Starts sealing (the replayed segments first) and compaction, then opens the WAL for
     * appends: each durable batch goes to the head, each closed segment to the sealer.
     */
    public void start(Clock clock) throws IOException {
        if (sealer == null) {
            throw new IllegalStateException("a read-only engine cannot start; open it with Engine.open");
        }
        sealer.start();
        compactor.start();
        scrubber = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("scrubber").daemon(true).factory());
        long scrubMillis = options.scrubInterval().toMillis();
        // The first scrub soon after start: a server restarted more often than the interval still scrubs.
        scrubber.scheduleWithFixedDelay(this::scrub, Math.min(scrubMillis, FIRST_SCRUB_DELAY.toMillis()), scrubMillis,
                TimeUnit.MILLISECONDS);
        recovered.segments().forEach(segment -> sealer.submit(segment.segmentId(), segment.kind()));
        wal = WriteAheadLog.start(options.wal(), clock, new WalListener() {
            @Override
            public void onDurable(long segmentId, Kind kind, List<LogEvent> events) {
                store.appendToHead(segmentId, kind, events);
            }

            @Override
            public void onSegmentClosed(long segmentId, Kind kind) {
                sealer.submit(segmentId, kind);
            }
        }, recovered.nextSegmentId());
    }

    public EventStore store() {
        return store;
    }

    public PartFiles partFiles() {
        return partFiles;
    }

    public PartBlooms blooms() {
        return blooms;
    }

    /** The checks of parts' files before queries read them, and the quarantine of damaged ones. */
    public PartIntegrity integrity() {
        return integrity;
    }

    /** The DuckDB that queries run on. */
    public DuckDbEngine queryDuckDb() {
        return queryDuckDb;
    }

    public PartWriter partWriter() {
        return requireWritable(partWriter);
    }

    public Compactor compactor() {
        return requireWritable(compactor);
    }

    public Sealer sealer() {
        return requireWritable(sealer);
    }

    /** The WAL; only after {@link #start}. */
    public WriteAheadLog wal() {
        if (wal == null) {
            throw new IllegalStateException("the WAL is open only after Engine.start");
        }
        return wal;
    }

    /**
     * For a stop: closes every active WAL segment and waits up to {@code timeout} until the
     * sealer has sealed every closed one (a zero timeout only closes them). Returns whether all
     * were sealed; what was not is replayed and sealed at the next open, so giving up loses
     * nothing. A seal that fails (a full disk) keeps retrying until the timeout.
     */
    public boolean sealAll(Duration timeout) throws InterruptedException {
        wal().rotateAll();
        return sealer().awaitIdle(timeout);
    }

    /** The highest event id in the catalog or the replayed WAL: new ids must be above it. */
    public long maxEventId() {
        return maxEventId;
    }

    /** How many replayed WAL segments had a torn or corrupt tail cut at open. */
    public int tornSegmentsAtOpen() {
        return recovered.tornSegments();
    }

    /** Checks every part's files; the scrubber thread runs it every {@link Options#scrubInterval}. */
    private void scrub() {
        try {
            PartIntegrity.Scrub scrub = integrity.scrub();
            LOG.info("scrubbed {} parts: {} damaged and quarantined", scrub.checked(), scrub.quarantined());
        } catch (RuntimeException e) {
            LOG.error("scrubbing the parts failed; it runs again in {}", options.scrubInterval(), e);
        }
    }

    private <T> T requireWritable(T component) {
        if (component == null) {
            throw new IllegalStateException("this engine was opened read-only");
        }
        return component;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (scrubber != null) {
            scrubber.shutdownNow();
            try {
                scrubber.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (wal != null) {
            wal.close();
        }
        if (sealer != null) {
            sealer.close();
        }
        if (compactor != null) {
            compactor.close();
        }
        if (queryDuckDb != null) {
            queryDuckDb.close();
        }
        if (writeDuckDb != null) {
            writeDuckDb.close();
        }
    }
}
