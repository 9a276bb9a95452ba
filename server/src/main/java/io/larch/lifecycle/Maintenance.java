package io.larch.lifecycle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.meta.MaintenanceRunRepository;
import io.larch.meta.PartRepository;
import io.larch.objectstore.ObjectStore;
import io.larch.storage.ColdParts;
import io.larch.storage.Engine;
import io.larch.storage.PartIntegrity;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the data dir in shape without a cron job: each run compacts, archives parts past their
 * warm boundary, drops local copies of archived parts after the local grace, retires parts past
 * retention, deletes the files and objects of retired parts, and trims the archive cache; it is
 * recorded in {@code maintenance_runs}. Runs come from a schedule ({@link Options#interval}),
 * from ingest ({@link #nudge}: when the last run is older than {@link Options#nudgeAfter}, so a
 * host that sleeps between requests still maintains itself), and by hand ({@code POST
 * /admin/maintain} seals first and scrubs after; {@code POST /admin/purge} deletes without the
 * query grace).
 *
 * <p>Several nodes: a run takes the {@link ClusterLock} (a PostgreSQL advisory lock) first, so
 * runs never overlap across nodes. A scheduled or nudged run that finds it held skips the
 * cluster-wide steps this round and does only this node's own cleanup (deleting the local files
 * of retired parts, trimming its archive cache); it is recorded with outcome {@code skipped} and
 * tried again {@link #SKIPPED_RETRY} later, so each node's own parts still get archived. A run by
 * hand waits up to {@link #BY_HAND_WAIT} for the other node's run. Sealing (before a run by hand)
 * stays per node, outside the lock. Each run is recorded with this node's id.
 *
 * <p>Threading: one run at a time ({@code running}); scheduled and nudged runs go to one
 * background thread and never block their caller; runs by hand wait for the one in progress.
 */
public final class Maintenance implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The advisory lock's number, the same on every node: "LarchMnt" in ASCII. */
    public static final long CLUSTER_LOCK_KEY = 0x4C617263684D6E74L;
    /** A scheduled or nudged run skipped for another node's is tried again after this long (plus up to as much again). */
    static final Duration SKIPPED_RETRY = Duration.ofSeconds(15);
    /** How long a run by hand waits for another node's run to finish. */
    static final Duration BY_HAND_WAIT = Duration.ofMinutes(2);

    /**
     * @param interval     how often the scheduler runs maintenance
     * @param nudgeAfter   ingest starts a run when the last one started longer ago than this
     * @param localGrace   how long an archived part's local file is kept (reads stay local meanwhile)
     * @param queryGrace   how long deleted parts' files are kept for queries still reading them
     * @param cacheMaxBytes the size the archive cache is trimmed to
     * @param sharedRefresh [several nodes] how often a node on a shared catalog uploads its new parts
     *                      and adopts the other nodes' (used only when the engine's store is shared)
     */
    public record Options(Duration interval, Duration nudgeAfter, Duration localGrace, Duration queryGrace,
                          long cacheMaxBytes, Duration sharedRefresh) {
        /** A node alone on its catalog. */
        public Options(Duration interval, Duration nudgeAfter, Duration localGrace, Duration queryGrace,
                       long cacheMaxBytes) {
            this(interval, nudgeAfter, localGrace, queryGrace, cacheMaxBytes, Duration.ofSeconds(2));
        }
    }

    private final java.util.concurrent.atomic.AtomicLong troubledRuns = new java.util.concurrent.atomic.AtomicLong();
    private final Runnable rotateWal;
    private final Engine engine;
    private final MaintenanceRunRepository runs;
    private final int nodeId;
    private final Clock clock;
    private final Options options;
    private final Optional<Archiver> archiver;
    private final Optional<ArchiveCache> cache;
    private final Optional<SharedCatalog> shared;
    private final Expiry expiry;
    private final PartRepository parts;
    private final RetentionPolicies policies;
    private final String archiveDescription;
    private final ClusterLock clusterLock;
    /** Set while a retry of a skipped run is scheduled, so at most one is. */
    private final AtomicBoolean retryScheduled = new AtomicBoolean();
    /** Held by the run in progress. */
    private final ReentrantLock running = new ReentrantLock();
    /** Set while a nudged run is queued or running, so ingest queues at most one. */
    private final AtomicBoolean nudged = new AtomicBoolean();
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("maintenance").daemon(true).factory());
    private volatile long lastStartedAt;
    private volatile Report lastReport;

    /**
     * @param rotateWal closes every non-empty active WAL segment and hands it to the sealer
     * @param objects   the archive, or empty when archiving is off (cold parts then stay local until deleted)
     */
    public Maintenance(Runnable rotateWal, Engine engine, PartRepository parts, Optional<ObjectStore> objects,
                       RetentionPolicies policies, MaintenanceRunRepository runs, int nodeId, Clock clock,
                       Options options) {
        this(rotateWal, engine, parts, objects, policies, runs, nodeId, clock, options, ClusterLock.NONE);
    }

    /** With several nodes: runs take {@code clusterLock} (see the class comment). */
    public Maintenance(Runnable rotateWal, Engine engine, PartRepository parts, Optional<ObjectStore> objects,
                       RetentionPolicies policies, MaintenanceRunRepository runs, int nodeId, Clock clock,
                       Options options, ClusterLock clusterLock) {
        this(rotateWal, engine, parts, objects, policies, runs, nodeId, clock, options, Archiver.Hooks.NONE, clusterLock);
    }

    Maintenance(Runnable rotateWal, Engine engine, PartRepository parts, Optional<ObjectStore> objects,
                RetentionPolicies policies, MaintenanceRunRepository runs, int nodeId, Clock clock, Options options,
                Archiver.Hooks hooks) {
        this(rotateWal, engine, parts, objects, policies, runs, nodeId, clock, options, hooks, ClusterLock.NONE);
    }

    Maintenance(Runnable rotateWal, Engine engine, PartRepository parts, Optional<ObjectStore> objects,
                RetentionPolicies policies, MaintenanceRunRepository runs, int nodeId, Clock clock, Options options,
                Archiver.Hooks hooks, ClusterLock clusterLock) {
        this.clusterLock = clusterLock;
        this.rotateWal = rotateWal;
        this.engine = engine;
        this.parts = parts;
        this.policies = policies;
        this.archiveDescription = objects.map(ObjectStore::describe).orElse("off");
        this.runs = runs;
        this.nodeId = nodeId;
        this.clock = clock;
        this.options = options;
        this.archiver = objects.map(store -> new Archiver(engine.store(), parts, engine.partFiles(), engine.integrity(),
                store, policies, nodeId, clock, options.localGrace(), options.queryGrace(), hooks,
                engine.store().isShared()));
        this.cache = objects.map(store -> new ArchiveCache(engine.partFiles(), parts, store, options.cacheMaxBytes(),
                options.queryGrace(), clock));
        if (engine.store().isShared() && objects.isEmpty()) {
            throw new IllegalArgumentException("a node on a shared catalog needs an archive: the nodes read each other's parts there");
        }
        this.shared = engine.store().isShared()
                ? Optional.of(new SharedCatalog(engine, parts, objects.get(), archiver.get(), clock, options.queryGrace()))
                : Optional.empty();
        this.expiry = new Expiry(engine.store(), parts, engine.partFiles(), objects, policies, nodeId, clock);
        this.lastStartedAt = runs.latest(nodeId).map(MaintenanceRunRepository.MaintenanceRun::startedAt).orElse(0L);
    }

    /** What queries use to read archive-only parts: the cache, or {@link ColdParts#NONE} without an archive. */
    public ColdParts coldParts() {
        return cache.<ColdParts>map(c -> c).orElse(ColdParts.NONE);
    }

    /**
     * Starts the schedule; the first run comes one interval after start. [several nodes] On a
     * shared catalog, first adopts the other nodes' parts (so the first query sees them), then
     * keeps uploading and adopting every {@link Options#sharedRefresh}.
     */
    public void start() {
        long every = options.interval().toMillis();
        scheduler.scheduleWithFixedDelay(() -> runQuietly("schedule"), every, every, TimeUnit.MILLISECONDS);
        shared.ifPresent(catalog -> {
            catalog.refreshQuietly();
            catalog.start(options.sharedRefresh());
        });
    }

    /** [several nodes] The view of the shared catalog, when the store is shared. */
    public Optional<SharedCatalog> sharedCatalog() {
        return shared;
    }

    /**
     * Called on ingest: starts a run in the background when the last one started more than
     * {@link Options#nudgeAfter} ago. Never blocks; at most one nudged run is queued.
     */
    public void nudge() {
        if (clock.millis() - lastStartedAt < options.nudgeAfter().toMillis() || !nudged.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.execute(() -> {
                try {
                    runQuietly("ingest");
                } finally {
                    nudged.set(false);
                }
            });
        } catch (RejectedExecutionException stopping) {
            nudged.set(false);
        }
    }

    /** One run now (waiting for the one in progress); {@code trigger} says who asked, for the record. */
    public Report run(String trigger) {
        return run(trigger, options.queryGrace(), Optional.empty(), false);
    }

    /**
     * By hand ({@code POST /admin/maintain}): seals everything ingested so far, runs, then checks
     * every part's files (damaged ones are quarantined); empty when sealing did not finish in time.
     */
    public Optional<Report> maintainNow(Duration sealTimeout) throws InterruptedException, IOException {
        rotateWal.run();
        if (!engine.sealer().awaitIdle(sealTimeout)) {
            return Optional.empty();
        }
        return Optional.of(run("admin", options.queryGrace(), Optional.of(true), true));
    }

    /**
     * {@code POST /admin/purge}: retention and deletion now, without waiting the query grace (a
     * query running over a deleted part may then fail to read it and is answered as partial).
     */
    public Report purge() {
        return run("purge", Duration.ZERO, Optional.empty(), true);
    }

    /** The latest run of this process, or empty before the first. */
    /** Runs that failed, or left parts to retry (an archive upload that failed, say), since start. */
    public long troubledRuns() {
        return troubledRuns.get();
    }

    public Optional<Report> lastReport() {
        return Optional.ofNullable(lastReport);
    }

    /** The latest recorded run of this node (this process or an earlier one). */
    public Optional<MaintenanceRunRepository.MaintenanceRun> lastRecordedRun() {
        return runs.latest(nodeId);
    }

    /** {@code GET /api/stats/system}: see {@link SystemStats}. */
    public Map<String, Object> systemStats() {
        return SystemStats.of(engine.store().snapshot(), engine.store().headEventCount(), policies, parts, this,
                archiveDescription, clock.millis());
    }

    /** The archive cache's numbers, or empty without an archive. */
    public Optional<Map<String, Object>> cacheStats() {
        return cache.map(c -> {
            Map<String, Object> stats = new LinkedHashMap<>();
            stats.put("parts", c.cachedParts());
            stats.put("bytes", c.usedBytes());
            stats.put("maxBytes", c.maxBytes());
            stats.put("downloads", c.downloads());
            stats.put("downloadedBytes", c.downloadedBytes());
            stats.put("evictions", c.evictions());
            return stats;
        });
    }

    private void runQuietly(String trigger) {
        try {
            run(trigger);
        } catch (RuntimeException e) {
            LOG.error("maintenance ({}) failed; it runs again on schedule", trigger, e);
        }
    }

    /** One run; {@code byHand} waits for another node's run, else a run held elsewhere is skipped. */
    private Report run(String trigger, Duration queryGrace, Optional<Boolean> scrub, boolean byHand) {
        running.lock();
        try {
            Optional<ClusterLock.Held> cluster;
            String why;
            try {
                cluster = byHand ? clusterLock.acquire(BY_HAND_WAIT) : clusterLock.tryAcquire();
                why = "another node is running maintenance";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cluster = Optional.empty();
                why = "interrupted while waiting for another node's maintenance";
            } catch (RuntimeException e) {
                cluster = Optional.empty();
                why = "cannot take the maintenance lock: " + e.getMessage();
            }
            if (cluster.isEmpty()) {
                return skipped(trigger, queryGrace, why);
            }
            try (ClusterLock.Held held = cluster.get()) {
                return runHeld(trigger, queryGrace, scrub);
            }
        } finally {
            running.unlock();
        }
    }

    /**
     * Another node holds the cluster lock: only this node's own cleanup runs (local files of its
     * retired parts, its archive cache), recorded as {@code skipped}; a retry is scheduled.
     */
    private Report skipped(String trigger, Duration queryGrace, String why) {
        long started = clock.millis();
        lastStartedAt = started;
        long runId = runs.started(nodeId, trigger, started);
        Report report = new Report(trigger, started);
        report.skipped = why;
        try {
            report.sweptCompacted = engine.compactor().sweepRetired(queryGrace);
            cache.ifPresent(c -> report.cacheEvicted = c.trim());
        } catch (RuntimeException e) {
            report.error = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.warn("maintenance ({}) skipped ({}), and this node's own cleanup failed: {}", trigger, why, report.error);
        }
        report.durationMillis = clock.millis() - started;
        runs.finished(runId, clock.millis(), report.outcome(), report.toJson());
        LOG.info("maintenance ({}) skipped on node {}: {}; only this node's own cleanup ran", trigger, nodeId, why);
        lastReport = report;
        retrySoon();
        return report;
    }

    private void retrySoon() {
        if (!retryScheduled.compareAndSet(false, true)) {
            return;
        }
        long delay = SKIPPED_RETRY.toMillis() + ThreadLocalRandom.current().nextLong(SKIPPED_RETRY.toMillis());
        try {
            scheduler.schedule(() -> {
                retryScheduled.set(false);
                runQuietly("retry");
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            retryScheduled.set(false);
        }
    }

    /** A run while holding the cluster lock (or on one node). */
    private Report runHeld(String trigger, Duration queryGrace, Optional<Boolean> scrub) {
        long started = clock.millis();
        lastStartedAt = started;
        long runId = runs.started(nodeId, trigger, started);
        Report report = new Report(trigger, started);
        try {
            report.compactions = engine.compactor().compactNow();
            archiver.ifPresent(a -> report.archive = a.run());
            report.expiry = expiry.run(queryGrace);
            report.sweptCompacted = engine.compactor().sweepRetired(queryGrace);
            cache.ifPresent(c -> report.cacheEvicted = c.trim());
            if (scrub.orElse(false)) {
                report.scrub = engine.integrity().scrub();
            }
        } catch (IOException | RuntimeException e) {
            report.error = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.error("maintenance ({}) failed: {}", trigger, report.error, e);
        }
        report.durationMillis = clock.millis() - started;
        runs.finished(runId, clock.millis(), report.outcome(), report.toJson());
        if (!report.outcome().equals("ok")) {
            troubledRuns.incrementAndGet();
        }
        lastReport = report;
        return report;
    }

    @Override
    public void close() {
        shared.ifPresent(SharedCatalog::close);
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What one run did. */
    public static final class Report {
        private final String trigger;
        private final long startedAt;
        private long durationMillis;
        private int compactions;
        private Archiver.Run archive;
        private Expiry.Run expiry;
        private int sweptCompacted;
        private int cacheEvicted;
        private PartIntegrity.Scrub scrub;
        private String error;
        /** Why the cluster-wide steps did not run (another node held the lock), or null. */
        private String skipped;

        Report(String trigger, long startedAt) {
            this.trigger = trigger;
            this.startedAt = startedAt;
        }

        /** {@code ok}, {@code partial} (some parts failed and are retried next run) or {@code failed}. */
        public String outcome() {
            if (error != null) {
                return "failed";
            }
            if (skipped != null) {
                return "skipped";
            }
            boolean someFailed = (archive != null && archive.failed() > 0) || (expiry != null && expiry.lastError() != null);
            return someFailed ? "partial" : "ok";
        }

        public Optional<PartIntegrity.Scrub> scrub() {
            return Optional.ofNullable(scrub);
        }

        /** The report as the admin API and the run record show it. */
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("trigger", trigger);
            map.put("startedAt", Instant.ofEpochMilli(startedAt).toString());
            map.put("durationMs", durationMillis);
            map.put("outcome", outcome());
            if (error != null) {
                map.put("error", error);
            }
            if (skipped != null) {
                map.put("skipped", skipped);
            }
            map.put("compactions", compactions);
            if (archive != null) {
                Map<String, Object> archived = new LinkedHashMap<>();
                archived.put("parts", archive.archived());
                archived.put("bytes", archive.bytesUploaded());
                archived.put("failed", archive.failed());
                archived.put("localCopiesDropped", archive.localCopiesDropped());
                archived.put("localFilesDeleted", archive.localFilesDeleted());
                if (archive.lastError() != null) {
                    archived.put("lastError", archive.lastError());
                }
                map.put("archive", archived);
            }
            if (expiry != null) {
                Map<String, Object> retention = new LinkedHashMap<>();
                retention.put("expiredParts", expiry.expiredParts());
                retention.put("expiredEvents", expiry.expiredEvents());
                retention.put("expiredQuarantinedParts", expiry.expiredQuarantined());
                retention.put("deletedArchivedParts", expiry.sweptArchivedParts());
                retention.put("objectsDeleted", expiry.objectsDeleted());
                if (expiry.lastError() != null) {
                    retention.put("lastError", expiry.lastError());
                }
                map.put("retention", retention);
            }
            map.put("retiredPartsDeleted", sweptCompacted);
            map.put("cacheEvicted", cacheEvicted);
            if (scrub != null) {
                map.put("partsChecked", scrub.checked());
                map.put("partsQuarantined", scrub.quarantined());
            }
            return map;
        }

        String toJson() {
            try {
                return JSON.writeValueAsString(toMap());
            } catch (JsonProcessingException e) {
                return "{}";
            }
        }
    }
}
