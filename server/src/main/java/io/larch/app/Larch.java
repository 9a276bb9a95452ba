package io.larch.app;

import io.javalin.Javalin;
import io.larch.aggregate.Aggregator;
import io.larch.cluster.ClusterNode;
import io.larch.alert.AlertChannel;
import io.larch.alert.AlertConflictException;
import io.larch.alert.AlertRules;
import io.larch.alert.Alerting;
import io.larch.alert.EmailNotifier;
import io.larch.alert.Notifier;
import io.larch.alert.SystemEvents;
import io.larch.alert.WebhookNotifier;
import io.larch.ingest.IngestRequest;
import io.larch.meta.AlertRepository;
import io.larch.model.InvalidInputException;
import io.larch.config.LarchConfig;
import io.larch.config.ConfigException;
import io.larch.config.Settings;
import io.larch.meta.ProjectSettingRepository;
import io.larch.security.Debouncer;
import io.larch.security.ProjectPolicies;
import io.larch.security.RateLimiter;
import io.larch.security.RateLimits;
import io.larch.security.RedactionKind;
import io.larch.security.Redactor;
import io.larch.security.RequestSignatures;
import io.larch.security.TrustedProxies;
import io.larch.datadir.DataDirLock;
import io.larch.datadir.DiskSpace;
import io.larch.datadir.FileNames;
import io.larch.datadir.ServerInfo;
import io.larch.http.BuildLines;
import io.larch.http.DeclaredRoute;
import io.larch.http.HttpServer;
import io.larch.ingest.EventSink;
import io.larch.ingest.IdGenerator;
import io.larch.ingest.InsufficientStorageException;
import io.larch.ingest.IngestService;
import io.larch.ingest.StoredOrder;
import io.larch.ingest.RejectedRequestException;
import io.larch.ingest.FingerprintMerges;
import io.larch.ingest.Fingerprinter;
import io.larch.ingest.TemplateFingerprinter;
import io.larch.ingest.fingerprint.TemplateExtractor;
import io.larch.ingest.fingerprint.TemplateJournal;
import io.larch.ingest.MaskingFingerprinter;
import io.larch.ingest.ProjectFingerprinter;
import io.larch.lifecycle.BuildLogArchiver;
import io.larch.lifecycle.Eraser;
import io.larch.lifecycle.ClusterLock;
import io.larch.lifecycle.Leadership;
import io.larch.lifecycle.Maintenance;
import io.larch.lifecycle.SharedCatalog;
import io.larch.lifecycle.RetentionPolicies;
import io.larch.meta.MaintenanceRunRepository;
import io.larch.objectstore.ObjectStores;
import io.larch.meta.ApiKeyRepository;
import io.larch.meta.AuditRepository;
import io.larch.meta.BuildLogRepository;
import io.larch.meta.Database;
import io.larch.meta.FingerprintRepository;
import io.larch.meta.PartRepository;
import io.larch.meta.ProjectRepository;
import io.larch.meta.SettingRepository;
import io.larch.model.LogEvent;
import io.larch.objectstore.ObjectStore;
import io.larch.search.Searcher;
import io.larch.security.AdminToken;
import io.larch.security.ApiKeys;
import io.larch.security.Authenticator;
import io.larch.security.ProjectAdmin;
import io.larch.security.ViewerTokens;
import io.larch.storage.Compactor;
import io.larch.storage.Engine;
import io.larch.storage.EventStore;
import io.larch.tail.EndReason;
import io.larch.tail.StreamKind;
import io.larch.tail.StreamSession;
import io.larch.tail.TailHub;
import io.larch.storage.HeadIndexMemory;
import io.larch.storage.PartIntegrity;
import io.larch.storage.Sealer;
import io.larch.wal.WalException;
import io.larch.wal.WriteAheadLog;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.larch.ingest.protocol.ProjectIngest;
import io.larch.ingest.protocol.syslog.SyslogListener;
import io.larch.ingest.protocol.vercel.VercelFollower;
import io.larch.meta.VercelFollowRepository;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Larch server: wiring, start order and stop order.
 *
 * <p>Start: lock the data dir, open metadata, open the storage {@link Engine} (which removes what
 * an interrupted seal left and replays the WAL into the head), start it (sealing, compaction, then
 * the WAL), then HTTP. Stop ({@link #close}) is the reverse: live streams end (each told
 * {@code server_stopping}), HTTP stops accepting and lets requests in progress finish (up to
 * {@link HttpServer#DRAIN_TIMEOUT}), the WAL's active segments are sealed (up to
 * LARCH_SHUTDOWN_SEAL_TIMEOUT), then the engine closes (the WAL writes and fsyncs queued
 * batches, then sealing stops), then metadata. Whatever was not sealed is replayed at the next start.
 */
public final class Larch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Larch.class);
    /** Rate-limit buckets and debounce entries per map, at most: a few MB each. */
    private static final int RATE_LIMIT_KEYS = 100_000;
    /** Ingest starts a maintenance run when the last one started longer ago than this. */
    private static final Duration MAINTENANCE_NUDGE_AFTER = Duration.ofMinutes(5);
    /** How often the templates learned are recorded (a crash loses at most this much learning). */
    private static final Duration TEMPLATE_FLUSH_INTERVAL = Duration.ofSeconds(1);
    /** One attempt of an alert delivery, at most; then the first wait before a retry (doubling). */
    private static final Duration ALERT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ALERT_FIRST_BACKOFF = Duration.ofSeconds(1);
    /** Refused credentials within one look at Larch's health that make a system event (someone probing). */
    private static final long AUTH_BURST = 20;
    /** A followed deployment's event stream that ended is opened again after this long. */
    private static final Duration VERCEL_RECONNECT_DELAY = Duration.ofSeconds(5);

    private final LarchConfig config;
    private DataDirLock lock;
    private Database database;
    private Engine engine;
    private Eraser eraser;
    private Javalin http;
    private TailHub tail;
    /** Several nodes: the registry, the live tail's bus and feeds (does nothing with SQLite). */
    private ClusterNode cluster;
    private Maintenance maintenance;
    private Optional<ObjectStore> archive = Optional.empty();
    private BuildLogArchiver buildLogs;
    private TemplateJournal templateJournal;
    /** Read by ingest threads once HTTP runs; null until it is made (nothing is stored before). */
    private volatile Alerting alerting;
    private SystemEvents systemEvents;
    /** The syslog port's listener, or null when LARCH_SYSLOG_PORT is off. */
    private SyslogListener syslog;
    /** Vercel's pull mode: the deployments followed. */
    private VercelFollower vercelFollower;
    private Leadership vercelLeadership;
    /** The advisory lock of the Vercel follower, the same on every node: "LarchVcl" in ASCII. */
    private static final long VERCEL_FOLLOW_LOCK_KEY = 0x4C6172636856636CL;
    /** How often the following node picks up deployments followed or dropped through another node. */
    private static final Duration VERCEL_SYNC_INTERVAL = Duration.ofSeconds(5);
    /** Where alerts link to: LARCH_PUBLIC_URL, or this server's address once it listens. */
    private volatile String dashboardUrl;
    private List<DeclaredRoute> routes;
    private ServerInfo serverInfo;
    private boolean closed;
    // [disk floor] LARCH_MIN_FREE_DISK: the probe tests replace (null: the real file system).
    private final DiskSpace.Probe diskProbe;
    private DiskSpace disk;

    private Larch(LarchConfig config, DiskSpace.Probe diskProbe) {
        this.config = config;
        this.diskProbe = diskProbe;
    }

    /**
     * Starts a server. {@code console} receives the one-time admin token when one is generated.
     */
    public static Larch start(LarchConfig config, Clock clock, PrintStream console) {
        return start(config, clock, console, null);
    }

    /**
     * [disk floor] For tests: as {@link #start(LarchConfig, Clock, PrintStream)}, with the data
     * dir's free space read from {@code diskProbe} (a nearly full disk without root).
     */
    public static Larch start(LarchConfig config, Clock clock, PrintStream console, DiskSpace.Probe diskProbe) {
        Larch larch = new Larch(config, diskProbe);
        try {
            larch.startComponents(clock, console);
            return larch;
        } catch (RuntimeException | IOException e) {
            larch.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot start Larch: " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    private void startComponents(Clock clock, PrintStream console) throws IOException {
        TrustedProxies trustedProxies = trustedProxies(config.security().trustedProxies());
        Files.createDirectories(config.dataDir());
        lock = DataDirLock.tryAcquire(config.dataDir()).orElseThrow(() -> new IllegalStateException(
                "data dir " + config.dataDir() + " is in use by another Larch process; stop it or use another --data-dir"));
        // [disk floor]
        disk = new DiskSpace(diskProbe != null ? diskProbe : DiskSpace.Probe.of(config.dataDir()),
                config.minFreeDisk()::floorBytes, clock, DiskSpace.DEFAULT_MAX_AGE);
        database = Database.open(config.metadata());
        // several nodes: registers (a duplicate LARCH_NODE_ID stops the start here); nothing with SQLite
        cluster = ClusterNode.open(config, database.isPostgres(), new io.larch.meta.NodeRepository(database), clock);
        SettingRepository settings = new SettingRepository(database);
        ProjectRepository projects = new ProjectRepository(database);
        ApiKeyRepository keys = new ApiKeyRepository(database);
        PartRepository parts = new PartRepository(database);
        AuditRepository audit = new AuditRepository(database);

        AdminToken.Bootstrap bootstrap = AdminToken.bootstrap(config.adminToken(), settings);
        bootstrap.generatedToken().ifPresent(token -> printAdminToken(console, token));
        String localToken = ApiKeys.newAdminToken();
        AdminToken adminToken = bootstrap.adminToken().alsoAccepting(localToken);

        engine = Engine.open(Engine.Options.of(config), parts, clock);
        IdGenerator ids = new IdGenerator(clock, config.nodeId());
        ids.advancePast(engine.maxEventId());
        engine.start(clock);
        EventStore store = engine.store();

        LarchConfig.Security security = config.security();
        RateLimits rateLimits = new RateLimits(security.projectEventsPerMinute(), security.projectRequestsPerMinute(),
                security.ipRequestsPerMinute(), security.workLogPerUserPerMinute());
        // Several nodes (PostgreSQL): project buckets shared through it; see RateLimiter.
        RateLimiter limiter = RateLimiter.of(clock, RATE_LIMIT_KEYS, database);
        Debouncer debouncer = new Debouncer(clock, Debouncer.DEFAULT_WINDOW, RATE_LIMIT_KEYS);
        Redactor redactor = Redactor.standard();
        ProjectPolicies policies = new ProjectPolicies(database, new ProjectSettingRepository(database), audit,
                security.redaction(), redactor, rateLimits, clock);
        RequestSignatures signatures = new RequestSignatures(clock, RequestSignatures.DEFAULT_MAX_REMEMBERED_SIGNATURES,
                RequestSignatures.DEFAULT_MAX_PER_PROJECT);
        // The hub asks the ordering for its release point, the ordering hands the hub what it releases.
        StoredOrder[] order = new StoredOrder[1];
        LarchConfig.Tail tailConfig = config.tail();
        tail = new TailHub(action -> order[0].atReleasePoint(action), new TailHub.Limits(tailConfig.maxConnections(),
                tailConfig.maxPerUser(), TailHub.Limits.DEFAULT_QUEUE_EVENTS, TailHub.Limits.DEFAULT_MAX_BACKLOG_EVENTS,
                TailHub.Limits.DEFAULT_STRIKE_WINDOW));
        // build logs: the archiver reads the store through search, so it exists before the ordering releases a batch.
        BuildLogArchiver[] archiver = new BuildLogArchiver[1];
        TailHub hubForOrder = tail;
        order[0] = new StoredOrder(ids, released -> {
            hubForOrder.released(released);
            Alerting alerts = alerting;
            if (alerts != null) { // set below, before HTTP starts
                alerts.offer(released);
            }
            if (archiver[0] != null) { // set below, before HTTP starts: nothing is released earlier
                archiver[0].offer(released);
            }
        });
        // Lifecycle: archive, retention, cleanup; ingest nudges it so a sleeping host still maintains itself.
        RetentionPolicies retention = new RetentionPolicies(database, new ProjectSettingRepository(database), projects,
                audit, clock);
        PrometheusMeterRegistry metrics = metrics(engine);
        archive = ObjectStores.open(config.archive(), config.dataDir()).map(opened -> LarchMetrics.metered(opened, metrics));
        LarchConfig.Lifecycle lifecycle = config.lifecycle();
        maintenance = new Maintenance(engine.wal()::rotateAll, engine, parts, archive, retention,
                new MaintenanceRunRepository(database), config.nodeId(), clock, new Maintenance.Options(
                lifecycle.maintenanceInterval(), MAINTENANCE_NUDGE_AFTER, lifecycle.archiveLocalGrace(),
                Compactor.Policy.defaults().retiredGrace(), lifecycle.archiveCacheBytes(),
                lifecycle.sharedRefreshInterval()), ClusterLock.of(database, Maintenance.CLUSTER_LOCK_KEY));
        engine.integrity().useColdParts(maintenance.coldParts());
        maintenance.start();
        // fingerprints: v2 learns templates, starting from the ones recorded (so fingerprints stay
        // stable across restarts) and recording what it learns off the ingest path; v1 masks only.
        FingerprintRepository fingerprintRecords = new FingerprintRepository(database);
        FingerprintMerges fingerprintMerges = new FingerprintMerges(fingerprintRecords.allMerges());
        IngestService ingest = new IngestService(new WalSink(engine.wal(), store, config.headMaxEvents(), disk,
                maintenance::nudge), order[0],
                fingerprinter(fingerprintRecords, clock, policies), fingerprintMerges, limiter, debouncer, clock);
        ViewerTokens viewerTokens = ViewerTokens.open(settings, clock);
        Authenticator authenticator = new Authenticator(adminToken, keys, projects, viewerTokens, clock);
        TailHub hub = tail;
        ProjectAdmin projectAdmin = new ProjectAdmin(database, projects, keys, audit, () -> {
            authenticator.invalidate();
            hub.credentialsChanged();
        }, clock);
        Searcher searcher = new Searcher(engine);
        // build logs: one archived object per finished build, written by one worker thread (none when archiving is off).
        if (archive.isPresent()) {
            buildLogs = new BuildLogArchiver(archive.get(), new BuildLogRepository(database), BuildLines.reader(searcher),
                    BuildLines.encoder(), FileNames.tmpDir(config.dataDir()), clock, BuildLogArchiver.Options.DEFAULTS);
            archiver[0] = buildLogs;
            buildLogs.start();
        }
        // Erase reads archive-only parts through the archive cache; the archive objects of the parts
        // it replaces are deleted by the next maintenance run. The build-log objects of the builds
        // the user's lines were in are written again before the request is done.
        eraser = new Eraser(Eraser.Dependencies.of(engine, database, parts, audit, engine.wal()::rotateAll,
                part -> {
                    if (part.isArchiveOnly() && maintenance.coldParts().fetch(part, false) != PartIntegrity.Check.WHOLE) {
                        throw new IOException("part " + part.name() + " lives only in the archive, which cannot be read now");
                    }
                    return engine.partFiles().path(part);
                }, erased -> {
                    if (buildLogs != null) {
                        buildLogs.rewriteErased(erased.builds());
                    }
                }, config.nodeId(), clock, Eraser.Hooks.NONE));
        eraser.start();
        // [disk floor]
        Gauge.builder("larch_disk_free_bytes", disk, d -> d.reading().usableBytes())
                .description("bytes free on the data dir's file system (-1: unreadable); below LARCH_MIN_FREE_DISK ingest answers 507")
                .register(metrics);
        securityMetrics(metrics, redactor, limiter, debouncer, signatures);
        tailMetrics(metrics, tail);
        LarchMetrics.register(metrics, ingest.counters(), engine.wal(), disk, tailConfig.maxConnections());
        maintenance.sharedCatalog().ifPresent(catalog -> sharedCatalogMetrics(metrics, catalog, clock));
        // several nodes: live streams get every node's events in id order, before HTTP lets the first one in
        cluster.startTail(tail, order[0], ids, metrics);
        if (buildLogs != null) {
            buildLogMetrics(metrics, buildLogs);
        }

        AlertRepository alertRecords = new AlertRepository(database);
        AlertRules alertRules = alerting(alertRecords, projects, metrics, clock);
        systemEvents = systemEvents(projects, ingest, policies, metrics, clock);
        systemEvents.start();

        Aggregator aggregator = new Aggregator(engine);
        FunctionCounter.builder("larch_point_read_row_groups", searcher,
                        s -> s.pointReadRowGroups() + aggregator.pointReadRowGroups())
                .description("row groups of parts read without DuckDB (rare-word searches, range ends of counts)")
                .register(metrics);
        // The first aggregation would otherwise read every part's rollup (about a second at 50 M events).
        Thread.ofVirtual().name("larch-warm-aggregations").start(() -> {
            try {
                aggregator.warm();
            } catch (RuntimeException e) {
                LOG.warn("reading the rollups ahead of the first aggregation failed; it will read them itself: {}",
                        e.getMessage());
            }
        });
        // Vercel pull mode: every deployment followed before the stop resumes where it got to.
        VercelFollowRepository vercelFollows = new VercelFollowRepository(database);
        vercelFollower = vercelFollower(new ProjectIngest(ingest, policies, limiter), vercelFollows, clock);
        HttpServer.Options httpOptions = new HttpServer.Options(config.host(), config.port(), config.queryTimeout(),
                config.queryConcurrencyPerKey(), security.viewerTokenMaxTtl(), security.corsOrigins(),
                security.httpIdleTimeout(), trustedProxies, rateLimits,
                new StreamSession.Timing(StreamSession.Timing.DEFAULT_HEARTBEAT, tailConfig.idleTimeout()));
        HttpServer.Built built = HttpServer.create(new HttpServer.Dependencies(ingest, searcher, aggregator, store,
                engine.wal(), authenticator, viewerTokens, projectAdmin, policies, signatures, limiter, tail, audit, maintenance,
                retention, eraser, database, config.dataDir(),
                metrics, EffectiveConfig.of(config), httpOptions, clock, disk, buildLogs, fingerprintRecords,
                fingerprintMerges, alertRules, alerting, alertRecords, vercelFollower, vercelFollows,
                new HttpServer.Cluster(config.nodeId(), io.larch.security.ClusterSecret.of(config.cluster().secret()))));
        routes = built.routes();
        http = built.javalin().start();
        cluster.listening(http.port());
        dashboardUrl = config.alerts().publicUrl().map(java.net.URI::toString)
                .orElse("http://" + hostForUrl(config.host()) + ":" + http.port());
        // Only now: a summary due at start links to where the dashboard really is.
        alerting.start();
        serverInfo = ServerInfo.write(config.dataDir(), "http://" + hostForUrl(config.host()) + ":" + http.port(),
                localToken);
        // Vercel pull: one node follows the recorded deployments (two would store their events twice)
        vercelLeadership = new Leadership("vercel-follow", ClusterLock.of(database, VERCEL_FOLLOW_LOCK_KEY),
                vercelFollower::sync, vercelFollower::standBy);
        vercelLeadership.start(VERCEL_SYNC_INTERVAL);
        if (config.syslog().port().isPresent()) {
            syslog = syslog(new ProjectIngest(ingest, policies, limiter), authenticator, projects, metrics, clock);
        }
        LOG.info("larch is listening on http://{}:{} (data dir {})", config.host(), http.port(), config.dataDir());
    }

    private static PrometheusMeterRegistry metrics(Engine engine) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        int tornSegmentsAtStart = engine.tornSegmentsAtOpen();
        EventStore store = engine.store();
        Gauge.builder("larch_wal_torn_tails_at_start", () -> tornSegmentsAtStart)
                .description("WAL segments whose torn or corrupt tail was cut at the last start").register(registry);
        Gauge.builder("larch_head_events", store, EventStore::headEventCount)
                .description("events durable in the WAL and not yet sealed into parts").register(registry);
        Gauge.builder("larch_head_index_bytes", store.headIndexMemory(), HeadIndexMemory::usedBytes)
                .description("memory of the head's index (token filters and postings); postings stop at LARCH_HEAD_INDEX_MAX_BYTES")
                .register(registry);
        Gauge.builder("larch_parts", store, s -> s.snapshot().parts().size())
                .description("published parts").register(registry);
        FunctionCounter.builder("larch_wal_fsyncs", engine.wal(), WriteAheadLog::fsyncCount).register(registry);
        FunctionCounter.builder("larch_wal_bytes_written", engine.wal(), WriteAheadLog::bytesWritten).register(registry);
        FunctionCounter.builder("larch_sealed_segments", engine.sealer(), Sealer::sealedSegments).register(registry);
        FunctionCounter.builder("larch_sealed_events", engine.sealer(), Sealer::sealedEvents).register(registry);
        FunctionCounter.builder("larch_seal_failures", engine.sealer(), Sealer::failures).register(registry);
        FunctionCounter.builder("larch_compactions", engine.compactor(), Compactor::merges).register(registry);
        FunctionCounter.builder("larch_compaction_failures", engine.compactor(), Compactor::failures).register(registry);
        Gauge.builder("larch_parts_quarantined", store, s -> s.snapshot().quarantined().size())
                .description("parts whose files failed their checksum, set aside; queries over them say they are partial")
                .register(registry);
        FunctionCounter.builder("larch_rollups_set_aside", engine.integrity(), PartIntegrity::rollupsSetAside)
                .description("damaged rollups moved aside since start (counts then come from the parts' rows)")
                .register(registry);
        return registry;
    }

    private static TrustedProxies trustedProxies(String configured) {
        try {
            return TrustedProxies.parse(configured);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(List.of(Settings.TRUSTED_PROXIES.name() + ": " + e.getMessage()));
        }
    }

    private static void securityMetrics(PrometheusMeterRegistry registry, Redactor redactor, RateLimiter limiter,
                                        Debouncer debouncer, RequestSignatures signatures) {
        for (RedactionKind kind : RedactionKind.values()) {
            FunctionCounter.builder("larch_redactions", redactor, r -> r.redactedCount(kind))
                    .tag("kind", kind.wireName())
                    .description("secrets replaced by [REDACTED:<kind>] before storing, by kind").register(registry);
        }
        FunctionCounter.builder("larch_redaction_pattern_timeouts", redactor, Redactor::extraPatternTimeouts)
                .description("project redaction patterns stopped at their time budget (the whole value was redacted)")
                .register(registry);
        Gauge.builder("larch_rate_limit_buckets", limiter, RateLimiter::bucketCount)
                .description("rate-limit buckets held (addresses, projects, work-log users)").register(registry);
        FunctionCounter.builder("larch_rate_limit_shared_failures", limiter, RateLimiter::sharedFailures)
                .description("shared (PostgreSQL) rate-limit checks that failed and were decided by this node's own buckets")
                .register(registry);
        Gauge.builder("larch_debounce_keys", debouncer, Debouncer::size)
                .description("work-log events remembered for debounce").register(registry);
        Gauge.builder("larch_signatures_remembered", signatures, RequestSignatures::rememberedSignatures)
                .description("request signatures remembered against replay (bounded)").register(registry);
    }

    /** [several nodes] How far this node's view of the other nodes' parts is behind. */
    private static void sharedCatalogMetrics(PrometheusMeterRegistry registry, SharedCatalog catalog, Clock clock) {
        Gauge.builder("larch_shared_parts_pending", catalog, SharedCatalog::pendingParts)
                .description("other nodes' parts published but not in the archive yet (their events are not visible here yet)")
                .register(registry);
        Gauge.builder("larch_shared_parts_adopted", catalog, SharedCatalog::adoptedParts)
                .description("other nodes' parts this node reads from the archive").register(registry);
        FunctionCounter.builder("larch_shared_catalog_refreshes", catalog, SharedCatalog::refreshes)
                .description("reads of the shared part catalog (uploads of this node's parts first)").register(registry);
        FunctionCounter.builder("larch_shared_catalog_refresh_failures", catalog, SharedCatalog::failures)
                .description("failed reads of the shared part catalog (PostgreSQL or the archive unreachable)")
                .register(registry);
        Gauge.builder("larch_shared_catalog_age_seconds", catalog,
                        c -> c.lastRefreshAt() == 0 ? -1 : (clock.millis() - c.lastRefreshAt()) / 1000.0)
                .description("seconds since the last successful read of the shared part catalog (-1: none yet)")
                .register(registry);
    }

    private static void tailMetrics(PrometheusMeterRegistry registry, TailHub hub) {
        for (StreamKind kind : StreamKind.values()) {
            Gauge.builder("larch_sse_connections", hub, h -> h.openStreams(kind)).tag("stream", kind.wireName())
                    .description("live streams open, by kind").register(registry);
        }
        FunctionCounter.builder("larch_stream_events_served", hub, TailHub::servedEvents)
                .description("events sent to live streams (live and caught up on resume)").register(registry);
        for (String reason : List.of(TailHub.DROP_SLOW, TailHub.DROP_BEHIND)) {
            FunctionCounter.builder("larch_tail_dropped_events", hub, h -> h.droppedEvents(reason)).tag("reason", reason)
                    .description("matching events not sent live (the client resumes them with Last-Event-ID), by reason")
                    .register(registry);
        }
        for (EndReason reason : EndReason.values()) {
            FunctionCounter.builder("larch_tail_streams_ended", hub, h -> h.endedStreams(reason))
                    .tag("reason", reason.wireName()).description("live streams the server ended, by reason")
                    .register(registry);
        }
        FunctionCounter.builder("larch_tail_streams_refused", hub, TailHub::refusedStreams)
                .description("live streams refused with 429 at LARCH_MAX_SSE_CONNECTIONS").register(registry);
    }

    private static void buildLogMetrics(PrometheusMeterRegistry registry, BuildLogArchiver archiver) {
        FunctionCounter.builder("larch_build_logs_archived", archiver, BuildLogArchiver::written)
                .description("build-log objects written to the archive (one per build end)").register(registry);
        FunctionCounter.builder("larch_build_logs_dropped", archiver, BuildLogArchiver::dropped)
                .description("build ends not queued for archiving because the queue was full (written at the build's next end)")
                .register(registry);
        FunctionCounter.builder("larch_build_logs_failed", archiver, BuildLogArchiver::failed)
                .description("build-log objects that could not be written (after retries)").register(registry);
        FunctionCounter.builder("larch_build_logs_incomplete", archiver, BuildLogArchiver::incomplete)
                .description("build logs not archived because a quarantined part could hold some of their lines")
                .register(registry);
        FunctionCounter.builder("larch_build_logs_retries", archiver, BuildLogArchiver::retried)
                .description("build-log uploads retried because the archive was unavailable").register(registry);
        Gauge.builder("larch_build_logs_queued", archiver, BuildLogArchiver::queued)
                .description("finished builds waiting to be archived").register(registry);
    }

    private static String hostForUrl(String host) {
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    private static void printAdminToken(PrintStream console, String token) {
        console.println();
        console.println("  Admin token (shown only this once; store it now):");
        console.println("    " + token);
        console.println("  Use it as 'Authorization: Bearer <token>' on /admin endpoints.");
        console.println();
        console.flush();
    }

    public int port() {
        return http.port();
    }

    /** The pull mode's follower, whose cursors are the metadata database's vercel_follows rows. */
    private VercelFollower vercelFollower(ProjectIngest ingest, VercelFollowRepository follows, Clock clock) {
        VercelFollower.Cursors cursors = new VercelFollower.Cursors() {
            @Override
            public List<VercelFollower.Follow> following() {
                return follows.list(-1).stream()
                        .filter(f -> !f.status().equals(VercelFollower.UNAUTHORIZED) && !f.status().equals(VercelFollower.NOT_FOUND))
                        .map(f -> new VercelFollower.Follow(f.projectId(), f.deploymentId(), f.token(), f.lastTs(), f.lastIds()))
                        .toList();
            }

            @Override
            public void advance(long projectId, String deploymentId, long lastTs, List<String> lastIds, int added) {
                follows.advance(projectId, deploymentId, lastTs, lastIds, added, clock.millis());
            }

            @Override
            public void status(long projectId, String deploymentId, String status, String error) {
                follows.status(projectId, deploymentId, status, error, clock.millis());
            }
        };
        return new VercelFollower(config.vercel().apiUrl(), ingest, cursors, VERCEL_RECONNECT_DELAY);
    }

    /** The syslog port (TCP and UDP), or -1 when LARCH_SYSLOG_PORT is off. */
    public int syslogPort() {
        return syslog == null ? -1 : syslog.port();
    }

    /**
     * The syslog listener (LARCH_SYSLOG_*): a message's project is the one of the key in its
     * structured data (a project key with the ingest scope), else LARCH_SYSLOG_PROJECT's.
     */
    private SyslogListener syslog(ProjectIngest ingest, Authenticator authenticator, ProjectRepository projects,
                                  PrometheusMeterRegistry metrics, Clock clock) throws IOException {
        LarchConfig.Syslog settings = config.syslog();
        SyslogListener.Projects choice = new SyslogListener.Projects() {
            @Override
            public SyslogListener.KeyCheck forKey(String key) {
                try {
                    if (authenticator.authenticate(key) instanceof io.larch.security.Caller.ProjectKey projectKey) {
                        return projectKey.scopes().contains(io.larch.security.Scope.INGEST)
                                ? SyslogListener.KeyCheck.project(projectKey.project().id())
                                : SyslogListener.KeyCheck.refused("no_ingest_scope");
                    }
                    return SyslogListener.KeyCheck.refused("unknown_key");
                } catch (io.larch.security.AuthException e) {
                    return SyslogListener.KeyCheck.refused("unknown_key");
                }
            }

            @Override
            public long fallback() {
                // Looked up once per batch: the project may be created after the server started.
                return settings.project().flatMap(projects::findBySlug).map(io.larch.meta.Project::id).orElse(-1L);
            }
        };
        try {
            return SyslogListener.start(SyslogListener.Options.defaults(settings.host(), settings.port().getAsInt()),
                    choice, ingest, metrics, clock);
        } catch (IOException e) {
            throw new IOException(Settings.SYSLOG_PORT.name() + ": cannot listen on " + settings.host() + ":"
                    + settings.port().getAsInt() + ": " + e.getMessage(), e);
        }
    }

    /** Every route the server declares, with who may call it. */
    public List<DeclaredRoute> routes() {
        return routes;
    }

    public EventStore store() {
        return engine.store();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (syslog != null) {
            // First, like the system events: it writes through ingest. Stops receiving, stores what it queued.
            syslog.close();
        }
        if (vercelLeadership != null) {
            vercelLeadership.close(); // stops following here and frees the lock for another node
        }
        if (vercelFollower != null) {
            // Likewise: streams are cut, what was read is stored and its place recorded before the metadata closes.
            vercelFollower.close();
        }
        if (systemEvents != null) {
            // First: it writes through ingest, and nothing may append once HTTP has stopped.
            systemEvents.close();
        }
        if (tail != null) {
            // Streams are told the server is stopping and end, so stopping HTTP does not wait on them.
            tail.close();
        }
        if (cluster != null) {
            // The node gives its id up: the others' live tails stop waiting for it.
            cluster.close();
        }
        if (http != null) {
            // Graceful: no new connections; requests in progress finish (HttpServer.DRAIN_TIMEOUT).
            http.stop();
        }
        if (eraser != null) {
            // Before the engine: a request it was running stays running and resumes at the next start.
            eraser.close();
        }
        if (engine != null && http != null && !config.shutdownSealTimeout().isZero()) {
            // [shutdown] Nothing appends any more: seal what the WAL holds, so the next start replays nothing.
            sealBeforeStop();
        }
        if (maintenance != null) {
            maintenance.close();
        }
        if (buildLogs != null) {
            // Before the engine (it reads the store), the archive and the metadata it writes.
            buildLogs.close();
        }
        if (alerting != null) {
            // After ingest stopped: what was offered is evaluated and its state saved before the metadata closes.
            alerting.close();
        }
        if (templateJournal != null) {
            // After ingest stopped, before the metadata: the templates learned last are recorded.
            templateJournal.close();
        }
        if (engine != null) {
            engine.close();
        }
        archive.ifPresent(ObjectStore::close);
        if (database != null) {
            database.close();
        }
        if (serverInfo != null) {
            serverInfo.delete();
        }
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException e) {
                LOG.warn("could not release the data dir lock: {}", e.getMessage());
            }
        }
    }

    /**
     * Alerting: the rules in the catalog (every project's defaults, the rules file's), evaluated
     * off the ingest path; a bad rules file stops the start, naming LARCH_ALERT_RULES_FILE.
     */
    private AlertRules alerting(AlertRepository records, ProjectRepository projects, PrometheusMeterRegistry metrics,
                                Clock clock) {
        LarchConfig.Alerts settings = config.alerts();
        settings.smtp().ifPresent(smtp -> {
            try {
                emailOptions(smtp);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(List.of("LARCH_SMTP_" + e.getMessage().split(":")[0].toUpperCase(Locale.ROOT)
                        + ": " + e.getMessage()));
            }
        });
        alerting = new Alerting(records, this::notifier, clock, metrics,
                new Alerting.Options(settings.queueEvents(), Alerting.Options.DEFAULTS.saveInterval()),
                io.larch.alert.AlertClaims.of(database, config.nodeId()));
        AlertRules rules = new AlertRules(database, records, projects, new ProjectSettingRepository(database), alerting,
                type -> type != AlertChannel.Type.EMAIL || settings.smtp().isPresent(), settings.privateTargets(),
                settings.rulesFile(), System.getenv(), clock);
        // Nodes starting together on one PostgreSQL make it once: the insert does nothing when it exists.
        database.transaction(c -> projects.insertIfAbsent(c, SystemEvents.PROJECT_SLUG, SystemEvents.PROJECT_NAME, clock.millis()));
        rules.ensureDefaultsForAll();
        try {
            int fromFile = rules.reloadFile();
            settings.rulesFile().ifPresent(file -> LOG.info("alerts: {} rules from {}", fromFile, file));
        } catch (InvalidInputException | AlertConflictException e) {
            throw new ConfigException(List.of(Settings.ALERT_RULES_FILE.name() + ": " + e.getMessage()));
        }
        alerting.load();
        return rules;
    }

    /** The channel a rule names, as a notifier (made when it first sends). */
    private Notifier notifier(AlertChannel channel) {
        String base = dashboardUrl;
        return switch (channel.type()) {
            case DISCORD, SLACK, WEBHOOK -> new WebhookNotifier(WebhookNotifier.Format.valueOf(channel.type().name()),
                    java.net.URI.create(channel.url()), channel.secret(), base, ALERT_TIMEOUT, ALERT_FIRST_BACKOFF,
                    config.alerts().privateTargets());
            case EMAIL -> new EmailNotifier(emailOptions(config.alerts().smtp().orElseThrow()), channel.to(), base,
                    ALERT_FIRST_BACKOFF);
        };
    }

    private static EmailNotifier.Options emailOptions(LarchConfig.Smtp smtp) {
        EmailNotifier.Options options = EmailNotifier.Options.of(smtp.host(), smtp.port(),
                EmailNotifier.Security.valueOf(smtp.security().name()), smtp.from());
        return smtp.username().isPresent() ? options.withLogin(smtp.username().get(), smtp.password().orElse("")) : options;
    }

    /** Larch's own health as kind=system events in the project larch-system, looked at every LARCH_SYSTEM_EVENTS_INTERVAL. */
    private SystemEvents systemEvents(ProjectRepository projects, IngestService ingest, ProjectPolicies policies,
                                      PrometheusMeterRegistry metrics, Clock clock) {
        io.larch.meta.Project system = projects.findBySlug(SystemEvents.PROJECT_SLUG).orElseThrow();
        EventStore store = engine.store();
        List<SystemEvents.Probe> probes = new java.util.ArrayList<>(List.of(
                SystemEvents.Probe.failures("larch.seal", io.larch.model.Level.ERROR, engine.sealer()::failures,
                        "%d WAL segments failed to seal into parts (they are retried; see the server log)"),
                SystemEvents.Probe.failures("larch.compaction", io.larch.model.Level.ERROR, engine.compactor()::failures,
                        "%d compactions failed (see the server log)"),
                SystemEvents.Probe.failures("larch.maintenance", io.larch.model.Level.ERROR, maintenance::troubledRuns,
                        "%d maintenance runs failed or left work to retry (archive uploads, retention); see GET /admin/maintain"),
                SystemEvents.Probe.failures("larch.storage", io.larch.model.Level.ERROR,
                        () -> store.snapshot().quarantined().size(),
                        "%d more parts failed their checksums and were quarantined; queries over them say they are partial"),
                SystemEvents.Probe.condition("larch.disk", io.larch.model.Level.ERROR, () -> disk.reading().belowFloor() ? 1 : 0,
                        "the data dir's disk is below LARCH_MIN_FREE_DISK: ingest answers 507 until space is freed"),
                SystemEvents.Probe.failures("larch.ingest", io.larch.model.Level.WARN,
                        () -> alerting.droppedEvents() + (long) counted(metrics, "larch_ingest_rejected_disk_full"),
                        "%d events were refused or not evaluated for alerts (disk full, or the alert queue was full)"),
                SystemEvents.Probe.burst("larch.auth", io.larch.model.Level.WARN, () -> (long) counted(metrics, "larch_auth_refusals"),
                        AUTH_BURST, "%d requests with a wrong or missing key, signature or token (someone may be probing)"),
                SystemEvents.Probe.failures("larch.rate-limit", io.larch.model.Level.WARN,
                        () -> (long) counted(metrics, "larch_rate_limited"), "%d requests were refused by rate limits"),
                SystemEvents.Probe.failures("larch.alerts", io.larch.model.Level.WARN,
                        () -> (long) counted(metrics, "larch_alert_delivery_failures"),
                        "%d alert deliveries failed (see GET /admin/alerts/history)")));
        if (buildLogs != null) {
            probes.add(SystemEvents.Probe.failures("larch.build-logs", io.larch.model.Level.ERROR, buildLogs::failed,
                    "%d build logs could not be archived"));
        }
        return new SystemEvents(body -> ingest.ingest(new IngestRequest(system.id(), body, "application/x-ndjson",
                null, policies.of(system.id()).limits())), system.id(), alerting::offer, clock, probes,
                config.alerts().systemEventsInterval());
    }

    private static double counted(PrometheusMeterRegistry metrics, String name) {
        return metrics.find(name).counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /** The server's default (LARCH_FINGERPRINTER), or the one a project chose in its settings. */
    private Fingerprinter fingerprinter(FingerprintRepository records, Clock clock, ProjectPolicies policies) {
        LarchConfig.Fingerprints settings = config.fingerprints();
        templateJournal = new TemplateJournal(records::putTemplates, clock, TEMPLATE_FLUSH_INTERVAL);
        TemplateExtractor extractor = new TemplateExtractor(new TemplateExtractor.Options(
                TemplateExtractor.Options.DEFAULTS.similarity(), settings.maxTemplatesPerProject(),
                TemplateExtractor.Options.DEFAULTS.exactCacheEntries()), clock, templateJournal);
        List<TemplateExtractor.Saved> saved = records.allTemplates().stream().filter(t -> t.serial() != TemplateJournal.ALIAS)
                .map(t -> new TemplateExtractor.Saved(
                t.projectId(), t.fingerprint(), t.source(), t.template(), t.firstSeen(), t.serial())).toList();
        extractor.restore(saved);
        LOG.info("fingerprints: {} by default, {} learned templates restored", settings.kind().name().toLowerCase(Locale.ROOT),
                saved.size());
        templateJournal.start();
        Fingerprinter template = new TemplateFingerprinter(extractor, templateJournal::alias);
        Fingerprinter masking = new MaskingFingerprinter();
        return new ProjectFingerprinter(settings.kind() == LarchConfig.FingerprinterKind.V1 ? masking : template, template,
                masking, projectId -> policies.of(projectId).fingerprinter());
    }

    /** [shutdown] Seals the WAL's active segments within LARCH_SHUTDOWN_SEAL_TIMEOUT; what is left is replayed. */
    private void sealBeforeStop() {
        long started = System.nanoTime();
        try {
            boolean sealed = engine.sealAll(config.shutdownSealTimeout());
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (sealed) {
                LOG.info("sealed the WAL before stopping in {} ms; the next start replays nothing", millis);
            } else {
                LOG.warn("sealing did not finish within LARCH_SHUTDOWN_SEAL_TIMEOUT={} ms; the next start replays"
                        + " what is left ({} events)", config.shutdownSealTimeout().toMillis(), engine.store().headEventCount());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("could not seal before stopping ({}); the next start replays the WAL", e.getMessage());
        }
    }

    private static final String DISK_FULL = "the server's disk is full: nothing of this request was stored or"
            + " acknowledged; keep the events and retry after Retry-After seconds (the operator must free space on the"
            + " data dir's disk, or lower LARCH_MIN_FREE_DISK)";

    /**
     * Ingest's sink: the WAL, with back-pressure when sealing falls behind or the disk fills; each
     * stored batch nudges maintenance (a time comparison unless a run is due).
     */
    private record WalSink(WriteAheadLog wal, EventStore store, long headMaxEvents, DiskSpace disk,
                           Runnable nudgeMaintenance) implements EventSink {
        /** One record for the whole batch, filed under its first event's kind: atomic whatever the kinds. */
        @Override
        public void append(List<LogEvent> events) {
            try {
                wal.append(events.getFirst().kind(), events);
            } catch (WalException e) {
                if (!e.diskFull()) {
                    throw e;
                }
                // [disk floor] The WAL found the disk full: nothing was acknowledged; look again at once.
                disk.refreshSoon();
                DiskSpace.Reading reading = disk.reading();
                throw new InsufficientStorageException(DISK_FULL, reading.usableBytes(), reading.floorBytes());
            }
            nudgeMaintenance.run();
        }

        @Override
        public void checkAccepting() {
            // [disk floor] Before anything is written, so a refused batch leaves nothing behind.
            DiskSpace.Reading reading = disk.reading();
            if (reading.belowFloor()) {
                throw new InsufficientStorageException("the server's disk is nearly full (" + reading.usableBytes()
                        + " bytes free, below LARCH_MIN_FREE_DISK=" + reading.floorBytes() + " bytes): nothing of this"
                        + " request was stored; keep the events and retry after Retry-After seconds (the operator must"
                        + " free space on the data dir's disk, or lower LARCH_MIN_FREE_DISK)",
                        reading.usableBytes(), reading.floorBytes());
            }
            if (store.headEventCount() > headMaxEvents) {
                throw new RejectedRequestException(503, "ingest is paused: " + store.headEventCount()
                        + " events are waiting to be sealed (LARCH_HEAD_MAX_EVENTS=" + headMaxEvents
                        + "); retry in a moment");
            }
        }
    }
}
