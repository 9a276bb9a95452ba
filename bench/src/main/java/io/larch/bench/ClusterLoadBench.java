package io.larch.bench;

import io.larch.bench.peers.PostgresCluster;
import io.larch.meta.Database;
import io.larch.meta.PartRepository;
import io.larch.model.Kind;
import io.larch.part.ArchiveState;
import io.larch.part.PartRecord;
import io.larch.part.PartState;
import io.larch.security.RateLimiter;
import io.larch.security.RateLimits;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What N nodes ask of the shared PostgreSQL, simulated with Larch's own catalog code on a real
 * PostgreSQL: a catalog pre-filled with every node's parts; then for a fixed time each simulated
 * node seals (publishes parts) every seal interval and moves them through the archive states as
 * its uploads would, reads the catalog as its refresh does (the changes since its last read, what
 * it must upload) every refresh interval, heartbeats, and sends and listens to the live tail's
 * NOTIFY messages at the tail's busy rate, and checks its ingest requests against the projects'
 * shared rate limits. No Larch process runs: only PostgreSQL's load is measured.
 */
@Command(name = "cluster-load", description = "Simulate N nodes' load on the shared PostgreSQL (catalog refreshes, seals, heartbeats, NOTIFY, rate limits).")
final class ClusterLoadBench extends BenchMain.Common implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "20")
    int nodes;

    @Option(names = "--seconds", defaultValue = "60")
    int seconds;

    @Option(names = "--parts-per-node", defaultValue = "10000", description = "published parts per node before the run")
    int partsPerNode;

    @Option(names = "--parts-per-seal", defaultValue = "15", description = "parts one seal publishes (projects x kinds with events)")
    int partsPerSeal;

    @Option(names = "--seal-interval-ms", defaultValue = "30000")
    long sealIntervalMillis;

    @Option(names = "--refresh-interval-ms", defaultValue = "2000")
    long refreshIntervalMillis;

    @Option(names = "--notify-interval-ms", defaultValue = "25", description = "the tail's coalescing tick while a node stores events")
    long notifyIntervalMillis;

    @Option(names = "--heartbeat-interval-ms", defaultValue = "2000")
    long heartbeatIntervalMillis;

    @Option(names = "--requests-per-second", defaultValue = "100",
            description = "ingest requests per node per second, each checked against the project's shared rate limits "
                    + "(100 batches of 200 events: 20,000 events/s a node)")
    int requestsPerSecond;

    @Option(names = "--projects", defaultValue = "4", description = "projects the requests are spread over")
    int projects;

    private final ConcurrentLinkedQueue<Double> refreshMillis = new ConcurrentLinkedQueue<>();
    private final AtomicLong refreshRows = new AtomicLong();
    private final AtomicLong statements = new AtomicLong();
    private final AtomicLong notifiesSent = new AtomicLong();
    private final AtomicLong notifiesReceived = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong rateChecks = new AtomicLong();
    private final List<RateLimiter> limiters = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Double> rateCheckMillis = new ConcurrentLinkedQueue<>();

    @Override
    public Integer call() throws Exception {
        Path dir = dataDirOrTemp();
        try (PostgresCluster cluster = new PostgresCluster(dir.resolve("pg"), freePort(),
                "-c shared_buffers=256MB -c max_connections=200")) {
            try (Connection admin = DriverManager.getConnection(cluster.url("postgres")); Statement s = admin.createStatement()) {
                s.execute("CREATE DATABASE larch");
            }
            String url = cluster.url("larch");
            try (Database database = Database.open(url)) {
                PartRepository parts = new PartRepository(database);
                long prefillStarted = System.nanoTime();
                prefill(url);
                double prefillSeconds = (System.nanoTime() - prefillStarted) / 1e9;
                try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS sim_heartbeats (node_id INT PRIMARY KEY, heartbeat_at BIGINT)");
                    s.execute("ANALYZE parts");
                }
                long cpuBefore = postgresCpuTicks();
                long started = System.nanoTime();
                long deadline = started + Duration.ofSeconds(seconds).toNanos();
                List<Thread> threads = new ArrayList<>();
                List<Database> limiterPools = new ArrayList<>();
                for (int node = 0; node < nodes; node++) {
                    int id = node;
                    Database pool = Database.open(url); // each node's own pool, as each node has
                    limiterPools.add(pool);
                    RateLimiter limiter = RateLimiter.of(Clock.systemUTC(), 10_000, pool); // as Larch makes it
                    limiters.add(limiter);
                    threads.add(Thread.ofVirtual().start(() -> requests(limiter, deadline)));
                    threads.add(Thread.ofVirtual().start(() -> catalogNode(parts, id, deadline)));
                    threads.add(Thread.ofPlatform().daemon().start(() -> tailBus(url, id, deadline)));
                    threads.add(Thread.ofVirtual().start(() -> heartbeats(url, id, deadline)));
                }
                for (Thread thread : threads) {
                    thread.join();
                }
                limiterPools.forEach(Database::close);
                double elapsed = (System.nanoTime() - started) / 1e9;
                double postgresCores = (postgresCpuTicks() - cpuBefore) / 100.0 / elapsed;
                write(results(prefillSeconds, elapsed, postgresCores));
            }
        } finally {
            cleanUp(dir);
        }
        return 0;
    }

    private Map<String, Object> results(double prefillSeconds, double elapsed, double postgresCores) {
        double[] refreshes = refreshMillis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("benchmark", "cluster-load");
        results.put("nodes", nodes);
        results.put("partsInCatalog", (long) nodes * partsPerNode);
        results.put("prefillSeconds", Math.round(prefillSeconds));
        results.put("seconds", Math.round(elapsed));
        results.put("sealIntervalMs", sealIntervalMillis);
        results.put("refreshIntervalMs", refreshIntervalMillis);
        results.put("notifyIntervalMs", notifyIntervalMillis);
        results.put("catalogStatementsPerSecond", Math.round(statements.get() / elapsed));
        results.put("refreshes", refreshes.length);
        results.put("refreshP50Ms", percentile(refreshes, 0.5));
        results.put("refreshP99Ms", percentile(refreshes, 0.99));
        results.put("rowsPerRefresh", refreshes.length == 0 ? 0 : refreshRows.get() / refreshes.length);
        results.put("notifiesSentPerSecond", Math.round(notifiesSent.get() / elapsed));
        results.put("notifiesReceivedPerSecondPerNode", Math.round(notifiesReceived.get() / elapsed / nodes));
        double[] checks = rateCheckMillis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        results.put("requestsPerSecondPerNode", requestsPerSecond);
        results.put("rateChecksPerSecond", Math.round(rateChecks.get() / elapsed));
        results.put("rateCheckP50Ms", percentile(checks, 0.5));
        results.put("rateCheckP99Ms", percentile(checks, 0.99));
        results.put("rateChecksDecidedLocally", limiters.stream().mapToLong(RateLimiter::sharedFailures).sum());
        results.put("postgresCpuCores", Math.round(postgresCores * 100) / 100.0);
        results.put("failures", failures.get());
        System.out.printf(Locale.ROOT, "%d nodes, %,d parts: refresh p50 %.1f ms p99 %.1f ms (%d rows), %,d catalog statements/s, "
                        + "%,d notifies/s sent, %,d received per node, %,d rate checks/s (p50 %.1f ms, p99 %.1f ms), "
                        + "PostgreSQL used %.2f cores%n", nodes,
                (long) nodes * partsPerNode, percentile(refreshes, 0.5), percentile(refreshes, 0.99),
                results.get("rowsPerRefresh"), results.get("catalogStatementsPerSecond"), results.get("notifiesSentPerSecond"),
                results.get("notifiesReceivedPerSecondPerNode"), results.get("rateChecksPerSecond"), percentile(checks, 0.5),
                percentile(checks, 0.99), postgresCores);
        return results;
    }

    /**
     * Every node's parts, half of them archived, as a catalog some days old holds them: written in
     * one statement (a part per transaction would take minutes), their change stamps then set to
     * long ago, as a refresh finds an old catalog.
     */
    private void prefill(String url) throws java.sql.SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("INSERT INTO parts (name, project_id, kind, state, node_id, min_ts, max_ts, max_id, row_count, size_bytes, "
                    + "levels, created_at, checksum, rollup_checksum, archive_state, archive_key, archive_md5, archived_at) "
                    + "SELECT 'prefill-' || n || '-' || i, 1 + i % 4, 'app', 'published', n, 1700000000000 + i * 60000, "
                    + "1700000030000 + i * 60000, (1700000030000 + i * 60000) * 4194304, 5000, 400000, 4, 1700000000000, 4660, 0, "
                    + "CASE WHEN i % 2 = 0 THEN 'archived' ELSE 'local' END, "
                    + "CASE WHEN i % 2 = 0 THEN 'k/' || n || '/' || i END, CASE WHEN i % 2 = 0 THEN '00' END, "
                    + "CASE WHEN i % 2 = 0 THEN 1700000000000 ELSE 0 END "
                    + "FROM generate_series(0, " + (nodes - 1) + ") AS n, generate_series(0, " + (partsPerNode - 1) + ") AS i");
            s.execute("UPDATE parts SET changed_at = 0");
        }
    }

    /** One node's catalog work: seals and their uploads, and the shared catalog's refresh. */
    private void catalogNode(PartRepository parts, int node, long deadline) {
        long segment = 1_000_000L * (node + 1);
        long nextSeal = System.nanoTime() + (long) (Math.random() * sealIntervalMillis) * 1_000_000L;
        long readUpTo = parts.databaseNow();
        List<PartRecord> toUpload = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            long round = System.nanoTime();
            try {
                if (round >= nextSeal) {
                    List<PartRecord> batch = new ArrayList<>();
                    for (int i = 0; i < partsPerSeal; i++) {
                        batch.add(part(node, "seal-" + segment + "-" + i, System.currentTimeMillis()));
                    }
                    toUpload.addAll(parts.publishSealed(batch, node, List.of(segment++), System.currentTimeMillis()));
                    statements.addAndGet(1 + partsPerSeal);
                    nextSeal += sealIntervalMillis * 1_000_000L;
                }
                // the refresh: upload what is due (two archive moves a part), then read what changed
                long refreshStarted = System.nanoTime();
                parts.listArchive(node, ArchiveState.ARCHIVING);
                parts.listArchive(node, ArchiveState.LOCAL);
                for (PartRecord part : toUpload) {
                    parts.moveArchive(part.id(), ArchiveState.LOCAL, ArchiveState.ARCHIVING, "k/" + part.name(), null, 0);
                    parts.moveArchive(part.id(), ArchiveState.ARCHIVING, ArchiveState.ARCHIVED, null, "00", 0);
                }
                statements.addAndGet(2 + 2L * toUpload.size());
                toUpload.clear();
                long now = parts.databaseNow();
                int rows = parts.listChangedSince(readUpTo - 10_000).size();
                readUpTo = now;
                statements.addAndGet(2);
                refreshRows.addAndGet(rows);
                refreshMillis.add((System.nanoTime() - refreshStarted) / 1e6);
            } catch (RuntimeException e) {
                failures.incrementAndGet();
            }
            sleepUntil(round + refreshIntervalMillis * 1_000_000L, deadline);
        }
    }

    /**
     * One node's ingest requests as the rate limiter sees them: each is one project request and
     * one batch of 200 events, checked against the project's shared buckets (Larch's own limiter).
     */
    private void requests(RateLimiter limiter, long deadline) {
        RateLimits generous = new RateLimits(1_000_000_000, 1_000_000_000, 0, 0);
        long every = 1_000_000_000L / Math.max(1, requestsPerSecond);
        long next = System.nanoTime();
        long project = 0;
        List<Thread> inFlight = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            long id = 1 + (project++ % projects);
            // requests arrive on their own threads, as HTTP requests do (the limiter batches concurrent ones)
            inFlight.add(Thread.ofVirtual().start(() -> {
                long started = System.nanoTime();
                try {
                    limiter.admitProjectRequest(id, generous);
                    limiter.admitEvents(id, generous, 200, Map.of());
                    rateChecks.incrementAndGet();
                    rateCheckMillis.add((System.nanoTime() - started) / 1e6);
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
            }));
            next += every;
            sleepUntil(next, deadline);
        }
        for (Thread thread : inFlight) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The live tail's bus: one connection that notifies at the busy rate and listens to every node. */
    private void tailBus(String url, int node, long deadline) {
        try (Connection connection = DriverManager.getConnection(url); Statement statement = connection.createStatement()) {
            statement.execute("LISTEN larch_tail");
            PGConnection pg = connection.unwrap(PGConnection.class);
            long point = 0;
            while (System.nanoTime() < deadline) {
                long tick = System.nanoTime();
                point += 1000;
                statement.execute("NOTIFY larch_tail, '" + node + ":" + point + ":" + point + "'");
                notifiesSent.incrementAndGet();
                var received = pg.getNotifications((int) Math.max(1, notifyIntervalMillis));
                if (received != null) {
                    notifiesReceived.addAndGet(received.length);
                }
                sleepUntil(tick + notifyIntervalMillis * 1_000_000L, deadline);
            }
        } catch (Exception e) {
            failures.incrementAndGet();
        }
    }

    private void heartbeats(String url, int node, long deadline) {
        try (Connection connection = DriverManager.getConnection(url);
             PreparedStatement beat = connection.prepareStatement("INSERT INTO sim_heartbeats VALUES (?, ?) "
                     + "ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at")) {
            while (System.nanoTime() < deadline) {
                long round = System.nanoTime();
                beat.setInt(1, node);
                beat.setLong(2, System.currentTimeMillis());
                beat.executeUpdate();
                statements.incrementAndGet();
                sleepUntil(round + heartbeatIntervalMillis * 1_000_000L, deadline);
            }
        } catch (Exception e) {
            failures.incrementAndGet();
        }
    }

    private static PartRecord part(int node, String name, long ts) {
        return new PartRecord(0, node + "-" + name, 1 + (name.hashCode() & 3), Kind.APP, PartState.PUBLISHED, node, ts,
                ts + 30_000, ts << 22, 5_000, 400_000, 1 << 2, ts, 0x1234, PartRecord.NO_CHECKSUM);
    }

    private static void sleepUntil(long nanos, long deadline) {
        long wait = Math.min(nanos, deadline) - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(Duration.ofNanos(wait));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return Math.round(sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] * 10) / 10.0;
    }

    /** CPU ticks (1/100 s) used by every process named postgres so far. */
    private static long postgresCpuTicks() throws IOException {
        long ticks = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String stat = Files.readString(proc.resolve("stat"));
                    if (!stat.contains("(postgres)")) {
                        continue;
                    }
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                } catch (IOException | RuntimeException gone) {
                    // the process ended meanwhile
                }
            }
        }
        return ticks;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
