package io.larch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.bench.peers.PostgresCluster;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Several nodes against one: the same ingest and query suite on one Larch node with SQLite (the
 * default), one node with PostgreSQL metadata, and two nodes sharing that PostgreSQL and one
 * archive directory, all on this machine. The clients are split evenly over the nodes. Also
 * measured: how long an event posted to the last node takes to be found on the first (the shared
 * freshness bound), and whether every node gives the same answers.
 */
@Command(name = "nodes", description = "Ingest and queries: 1 node (SQLite), 1 node (PostgreSQL), 2 nodes sharing PostgreSQL and an archive.")
final class NodesBench extends BenchMain.Common implements Callable<Integer> {
    private static final String CLUSTER_SECRET = "bench-cluster-secret-0123456789abcdef";

    @CommandLine.Mixin
    BenchMain.IngestLoad load;

    @Option(names = "--query-events", defaultValue = "1000000", description = "events loaded (over the day before now) for the query suite")
    long queryEvents;

    @Option(names = "--seal-interval", defaultValue = "10s", description = "LARCH_SHARED_SEAL_INTERVAL of the PostgreSQL runs")
    String sealInterval;

    @Option(names = "--runs", defaultValue = "10")
    int runs;

    @Option(names = "--warmups", defaultValue = "20")
    int warmups;

    @Option(names = "--topologies", defaultValue = "sqlite-1,postgres-1,postgres-2", split = ",",
            description = "which runs, in order: sqlite-1, postgres-1, postgres-2")
    List<String> topologies;

    @Override
    public Integer call() throws Exception {
        Path dir = dataDirOrTemp();
        try {
            List<String> loghub = EventGenerator.loadLoghub(this.loghub);
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("benchmark", "nodes");
            results.put("clients", load.clients);
            results.put("batch", load.batch);
            results.put("seconds", load.seconds);
            results.put("queryEvents", queryEvents);
            results.put("sealInterval", sealInterval);
            List<Map<String, Object>> runsDone = new ArrayList<>();
            for (String topology : topologies) {
                runsDone.add(run(topology, dir.resolve(topology), loghub));
            }
            results.put("runs", runsDone);
            write(results);
            System.out.println(table(runsDone));
        } finally {
            cleanUp(dir);
        }
        return 0;
    }

    private Map<String, Object> run(String topology, Path dir, List<String> loghub) throws Exception {
        int nodes = switch (topology) {
            case "sqlite-1", "postgres-1" -> 1;
            case "postgres-2" -> 2;
            default -> throw new IllegalArgumentException("unknown topology " + topology + "; use sqlite-1, postgres-1 or postgres-2");
        };
        boolean postgres = topology.startsWith("postgres");
        Files.createDirectories(dir);
        PostgresCluster cluster = postgres ? new PostgresCluster(dir.resolve("pg"), freePort(),
                "-c shared_buffers=256MB -c max_connections=200") : null;
        List<LarchProcess> started = new ArrayList<>();
        try {
            Map<String, String> shared = new LinkedHashMap<>();
            if (postgres) {
                try (Connection admin = DriverManager.getConnection(cluster.url("postgres"));
                     Statement statement = admin.createStatement()) {
                    statement.execute("CREATE DATABASE larch");
                }
                shared.put("LARCH_METADATA_URL", cluster.url("larch"));
                shared.put("LARCH_CLUSTER_SECRET", CLUSTER_SECRET);
                shared.put("LARCH_ARCHIVE_STORE", "local");
                shared.put("LARCH_ARCHIVE_DIR", dir.resolve("archive").toString());
                shared.put("LARCH_SHARED_SEAL_INTERVAL", sealInterval);
            }
            for (int node = 0; node < nodes; node++) {
                Map<String, String> env = new LinkedHashMap<>(shared);
                env.put("LARCH_NODE_ID", Integer.toString(node));
                started.add(LarchProcess.start(jar, dir.resolve("node-" + node), env));
            }
            String key = BenchMain.createProject(started.getFirst().url());
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("topology", topology);
            result.put("nodes", nodes);
            result.put("ingest", ingest(started, key, loghub));
            if (nodes > 1) {
                result.put("freshnessSeconds", freshness(started.getLast(), started.getFirst(), key));
            }
            Instant end = Instant.now().minusSeconds(60);
            result.put("queryLoadEventsPerSecond", Math.round(loadForQueries(started, key, loghub, end)));
            if (postgres) {
                // every node's share sealed, uploaded and adopted by the others before the suite
                Thread.sleep(Duration.parse("PT" + sealInterval.toUpperCase(Locale.ROOT)).plusSeconds(5).toMillis());
            }
            Map<String, Object> queries = new LinkedHashMap<>();
            for (int node = 0; node < nodes; node++) {
                List<Map<String, Object>> timings = new ArrayList<>();
                for (QueryBench.Timing timing : QueryBench.run(started.get(node).url(), key, QueryBench.suite(end),
                        warmups, runs)) {
                    timings.add(timing.toMap());
                }
                queries.put("node-" + node, timings);
            }
            result.put("queries", queries);
            result.put("sameAnswersOnEveryNode", sameAnswers(queries));
            return result;
        } finally {
            for (LarchProcess larch : started) {
                larch.close();
            }
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    /** The timed ingest, {@code clients / nodes} clients on each node at once; events/s summed. */
    private Map<String, Object> ingest(List<LarchProcess> nodes, String key, List<String> loghub) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<IngestBench.Result>> runs = new ArrayList<>();
            for (LarchProcess node : nodes) {
                runs.add(pool.submit(() -> IngestBench.run(node.url(), "/api/log", key,
                        Math.max(1, load.clients / nodes.size()), load.batch, Duration.ofSeconds(load.warmupSeconds),
                        Duration.ofSeconds(load.seconds), loghub, 40)));
            }
            double eventsPerSecond = 0;
            double p99 = 0;
            long errors = 0;
            List<Map<String, Object>> perNode = new ArrayList<>();
            for (Future<IngestBench.Result> run : runs) {
                IngestBench.Result result = run.get();
                eventsPerSecond += result.eventsPerSecond();
                p99 = Math.max(p99, result.p99Millis());
                errors += result.errors();
                perNode.add(result.toMap());
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("eventsPerSecond", Math.round(eventsPerSecond));
            summary.put("worstP99Ms", p99);
            summary.put("errors", errors);
            summary.put("perNode", perNode);
            return summary;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Seconds from the 202 of an event posted to {@code writer} until a search on {@code reader} finds it. */
    private static double freshness(LarchProcess writer, LarchProcess reader, String key) throws Exception {
        String word = "fresh" + UUID.randomUUID().toString().replace("-", "");
        int status = new BenchHttp(writer.url()).post("/api/log", key,
                ("{\"message\":\"freshness probe " + word + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (status != 202) {
            throw new IllegalStateException("the freshness probe was refused with " + status);
        }
        long started = System.nanoTime();
        BenchHttp http = new BenchHttp(reader.url());
        while (System.nanoTime() - started < Duration.ofMinutes(3).toNanos()) {
            JsonNode found = http.get("/api/log", key, Map.of("q", word, "limit", "1"));
            if (found.get("events").size() == 1) {
                return Math.round((System.nanoTime() - started) / 1e8) / 10.0;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("an event posted to one node was not found on the other within 3 minutes");
    }

    /** The query suite's events, spread over the day before {@code end}, an equal share posted to each node. */
    private double loadForQueries(List<LarchProcess> nodes, String key, List<String> loghub, Instant end) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<Double>> loads = new ArrayList<>();
            for (LarchProcess node : nodes) {
                loads.add(pool.submit(() -> QueryBench.load(node.url(), key, queryEvents / nodes.size(),
                        Math.max(1, 4 / nodes.size()), loghub, end)));
            }
            double rate = 0;
            for (Future<Double> one : loads) {
                rate += one.get();
            }
            return rate;
        } finally {
            pool.shutdownNow();
        }
    }

    /** One meaning: every node answers every query of the suite alike. */
    @SuppressWarnings("unchecked")
    private static boolean sameAnswers(Map<String, Object> queries) {
        List<Object> first = null;
        for (Object node : queries.values()) {
            List<Object> answers = ((List<Map<String, Object>>) node).stream().map(t -> t.get("answer")).toList();
            if (first != null && !first.equals(answers)) {
                return false;
            }
            first = answers;
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static String table(List<Map<String, Object>> runs) {
        StringBuilder out = new StringBuilder("| topology | ingest events/s | worst p99 ms | freshness s | same answers |");
        List<Map<String, Object>> firstQueries = (List<Map<String, Object>>) ((Map<String, Object>) runs.getFirst()
                .get("queries")).get("node-0");
        firstQueries.forEach(q -> out.append(' ').append(q.get("query")).append(" (node 0 / 1, ms) |"));
        out.append("\n|").append("---|".repeat(5 + firstQueries.size())).append('\n');
        for (Map<String, Object> run : runs) {
            Map<String, Object> ingest = (Map<String, Object>) run.get("ingest");
            out.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %s | %s |", run.get("topology"),
                    ((Number) ingest.get("eventsPerSecond")).longValue(), ((Number) ingest.get("worstP99Ms")).doubleValue(),
                    run.getOrDefault("freshnessSeconds", "-"), run.get("sameAnswersOnEveryNode")));
            Map<String, Object> queries = (Map<String, Object>) run.get("queries");
            for (int i = 0; i < firstQueries.size(); i++) {
                StringBuilder cell = new StringBuilder();
                for (Object node : queries.values()) {
                    Map<String, Object> timing = ((List<Map<String, Object>>) node).get(i);
                    cell.append(cell.isEmpty() ? "" : " / ").append(timing.get("medianMs"));
                }
                out.append(' ').append(cell).append(" |");
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
