package io.larch.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench ingest} and {@code bench query}: Larch's own benchmarks, against {@code larch.jar}. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        subcommands = {BenchMain.Ingest.class, BenchMain.Query.class, BenchMain.Peers.class, BenchMain.Live.class,
                RedactionBench.class, TailBench.class, FingerprintBench.class, ArchiveBench.class,
                ProtocolBench.class, NodesBench.class, ClusterLoadBench.class},
        description = "Benchmarks of a Larch server started from larch.jar on this machine.")
public final class BenchMain {

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }

    /** The timed ingest both {@code ingest} and {@code peers} run. */
    static final class IngestLoad {
        @Option(names = "--clients", defaultValue = "8", description = "concurrent HTTP clients")
        int clients;

        @Option(names = "--batch", defaultValue = "200", description = "events per request")
        int batch;

        @Option(names = "--seconds", defaultValue = "30", description = "measured time")
        int seconds;

        @Option(names = "--warmup-seconds", defaultValue = "15", description = "load before measuring (JIT, caches)")
        int warmupSeconds;
    }

    /** Options every benchmark takes. */
    static class Common {
        @Option(names = "--jar", defaultValue = "server/target/larch.jar", description = "the Larch jar to run")
        Path jar;

        @Option(names = "--data-dir", description = "data dir for the server (default: a temporary dir, deleted after)")
        Path dataDir;

        @Option(names = "--loghub", description = "Loghub directory whose *_structured.csv lines are mixed into the events")
        Path loghub;

        @Option(names = "--out", description = "write results as JSON here")
        Path out;

        Path dataDirOrTemp() throws IOException {
            return dataDir != null ? dataDir : Files.createTempDirectory("larch-bench-");
        }

        void cleanUp(Path used) throws IOException {
            if (dataDir == null) {
                deleteTree(used);
            }
        }

        void write(Map<String, Object> results) throws IOException {
            results.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                    "java", System.getProperty("java.version"), "os", System.getProperty("os.name")));
            results.put("at", Instant.now().toString());
            String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results);
            if (out != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
                Files.writeString(out, json);
            }
            System.out.println(json);
        }
    }

    @Command(name = "ingest", description = "Concurrent clients post batches for a fixed time.")
    static final class Ingest extends Common implements Callable<Integer> {
        @CommandLine.Mixin
        IngestLoad load;

        @Option(names = "--durability", defaultValue = "fsync", description = "LARCH_WAL_DURABILITY for the server")
        String durability;

        @Option(names = "--redaction", defaultValue = "on", description = "LARCH_REDACTION for the server: on or off")
        String redaction;

        @Option(names = "--sign", description = "require HMAC signatures on the project and sign every request")
        boolean sign;

        @Option(names = "--alert-rules", defaultValue = "-1", paramLabel = "N",
                description = "the bench project's alert rules: -1 leaves the server's defaults, 0 deletes them all, "
                        + "N deletes them and makes N of every kind (no channels: alerts are only recorded)")
        int alertRules;

        @Override
        public Integer call() throws Exception {
            Path dir = dataDirOrTemp();
            try (LarchProcess larch = LarchProcess.start(jar, dir, Map.of("LARCH_WAL_DURABILITY", durability,
                    "LARCH_REDACTION", redaction))) {
                String key = createProject(larch.url());
                int rules = BenchAlertRules.apply(larch.url(), PROJECT, alertRules);
                IngestBench.SenderFactory senders = sign ? SignedSender.factory(larch.url(), key)
                        : http -> body -> http.post("/api/log", key, (byte[]) body);
                double[] sealedAtStart = new double[1];
                Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(Duration.ofSeconds(load.warmupSeconds));
                        sealedAtStart[0] = (double) metrics(larch.url()).getOrDefault("larch_sealed_events_total", 0.0);
                    } catch (Exception ignored) {
                        // reported as 0
                    }
                });
                // The evaluator's backlog, sampled each second: how close its bounded queue came to dropping.
                double[] peakQueued = new double[1];
                Thread sampler = Thread.ofVirtual().start(() -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            peakQueued[0] = Math.max(peakQueued[0],
                                    (double) metrics(larch.url()).getOrDefault("larch_alert_queue_events", 0.0));
                            Thread.sleep(Duration.ofSeconds(1));
                        }
                    } catch (InterruptedException stopped) {
                        // the run ended
                    } catch (Exception ignored) {
                        // reported as what was seen so far
                    }
                });
                IngestBench.Result result = IngestBench.run(larch.url(), load.clients, load.batch,
                        Duration.ofSeconds(load.warmupSeconds), Duration.ofSeconds(load.seconds),
                        EventGenerator.loadLoghub(loghub), 40, senders);
                sampler.interrupt();
                sampler.join();
                Map<String, Object> metricsAtEnd = metrics(larch.url());
                double sealedAtEnd = (double) metricsAtEnd.getOrDefault("larch_sealed_events_total", 0.0);
                Map<String, Object> alerts = BenchAlertRules.summary(metricsAtEnd);
                alerts.put("peakQueuedEvents", Math.round(peakQueued[0]));
                Map<String, Object> results = new LinkedHashMap<>();
                results.put("benchmark", "ingest");
                results.put("durability", durability);
                results.put("redaction", redaction);
                results.put("signed", sign);
                results.put("alertRules", rules);
                results.put("warmupSeconds", load.warmupSeconds);
                results.put("serverJavaOptions", System.getenv().getOrDefault("LARCH_JAVA_OPTS", ""));
                results.put("larch", result.toMap());
                // Sustainable only if sealing keeps up: events sealed into parts during the measured time.
                results.put("sealedEventsPerSecond", Math.round((sealedAtEnd - sealedAtStart[0]) / result.seconds()));
                results.put("alerts", alerts);
                results.put("serverMetrics", metricsAtEnd);
                write(results);
                System.out.println(table(result, rules, alerts));
            } finally {
                cleanUp(dir);
            }
            return 0;
        }
    }

    @Command(name = "query", description = "Load M events, seal them, time the query suite.")
    static final class Query extends Common implements Callable<Integer> {
        @Option(names = "--events", defaultValue = "5000000")
        long events;

        @Option(names = "--load-clients", defaultValue = "4")
        int loadClients;

        @Option(names = "--runs", defaultValue = "20")
        int runs;

        /** Ten: the JIT needs about that many runs of a query's code path before its timing settles. */
        @Option(names = "--warmups", defaultValue = "200", description = "runs of each query before timing (JIT, caches), at most 15 s of them")
        int warmups;

        @Option(names = "--reuse-data", description = "query the events an earlier run left in --data-dir instead of loading")
        boolean reuseData;

        @Override
        public Integer call() throws Exception {
            if (reuseData && dataDir == null) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--reuse-data needs --data-dir");
            }
            Path dir = dataDirOrTemp();
            try (LarchProcess larch = LarchProcess.start(jar, dir, Map.of())) {
                String key;
                Instant end;
                double loadRate = 0;
                double sealSeconds = 0;
                if (reuseData) {
                    key = new BenchHttp(larch.url()).postJson("/admin/projects/bench/keys", LarchProcess.ADMIN_TOKEN,
                            "{\"name\":\"rerun\",\"scopes\":[\"read\"]}").get("key").asText();
                    // The loader spread the events over the day before its end: the newest event marks it.
                    end = Instant.parse(new BenchHttp(larch.url()).get("/api/log", key, Map.of("limit", "1"))
                            .get("events").get(0).get("ts").asText());
                } else {
                    key = createProject(larch.url());
                    end = Instant.now().minusSeconds(60);
                    loadRate = QueryBench.load(larch.url(), key, events, loadClients, EventGenerator.loadLoghub(loghub), end);
                    long sealStarted = System.nanoTime();
                    new BenchHttp(larch.url()).postJson("/admin/maintain", LarchProcess.ADMIN_TOKEN, "");
                    sealSeconds = (System.nanoTime() - sealStarted) / 1e9;
                }
                com.fasterxml.jackson.databind.JsonNode storage = new BenchHttp(larch.url())
                        .get("/admin/storage", LarchProcess.ADMIN_TOKEN, Map.of()).get("projects").get(0);
                long partBytes = storage.get("bytes").asLong();
                List<Map<String, Object>> timings = new ArrayList<>();
                for (QueryBench.Timing timing : QueryBench.run(larch.url(), key, QueryBench.suite(end), warmups, runs)) {
                    timings.add(timing.toMap());
                }
                Map<String, Object> results = new LinkedHashMap<>();
                results.put("benchmark", "query");
                results.put("events", events);
                if (reuseData) {
                    results.put("reusedData", dir.toString());
                } else {
                    results.put("loadEventsPerSecond", Math.round(loadRate));
                    results.put("finalSealSeconds", Math.round(sealSeconds * 10) / 10.0);
                }
                results.put("partBytes", partBytes);
                results.put("parts", storage.get("parts").asLong());
                results.put("diskBytesIncludingReplacedParts", treeSize(dir.resolve("parts")));
                results.put("bytesPerEvent", Math.round(partBytes * 10.0 / events) / 10.0);
                results.put("queries", timings);
                results.put("serverMetrics", metrics(larch.url()));
                write(results);
            } finally {
                cleanUp(dir);
            }
            return 0;
        }
    }

    @Command(name = "peers", description = "Larch, OpenSearch and PostgreSQL on the same workload, one after the other.")
    static class Peers extends Common implements Callable<Integer> {
        @Option(names = "--systems", defaultValue = "larch,opensearch,postgresql", split = ",")
        List<String> systems;

        @Option(names = "--events", defaultValue = "5000000", description = "events loaded for the query suite")
        long events;

        @CommandLine.Mixin
        IngestLoad load;

        @Option(names = "--load-clients", defaultValue = "4")
        int loadClients;

        @Option(names = "--runs", defaultValue = "10")
        int runs;

        @Option(names = "--warmups", defaultValue = "200", description = "runs of each query before timing (JIT, caches), at most 15 s of them")
        int warmups;

        @Option(names = "--opensearch-heap", defaultValue = "4g")
        String openSearchHeap;

        @Option(names = "--live-rates", split = ",", defaultValue = "",
                description = "after the quiet suite, run it again while events arrive at each rate: events/s, or a share of the system's own ingest rate (50%)")
        List<String> liveRates;

        @Option(names = "--live-runs", defaultValue = "100", description = "timed runs of each query in a live phase (p50 and p99)")
        int liveRuns;

        @Override
        public Integer call() throws Exception {
            return runPeers(List.of());
        }

        /** The peers run, then a head-share run of Larch for each of {@code headSizes} (none when empty). */
        Integer runPeers(List<Long> headSizes) throws Exception {
            Path dir = dataDirOrTemp();
            List<Map<String, Object>> results = new ArrayList<>();
            io.larch.bench.peers.PeersBench.Options options = new io.larch.bench.peers.PeersBench.Options(load.clients,
                    load.batch, Duration.ofSeconds(load.warmupSeconds), Duration.ofSeconds(load.seconds), events, loadClients, warmups, runs,
                    EventGenerator.loadLoghub(loghub), liveRates.stream().filter(r -> !r.isBlank()).toList(), liveRuns);
            try {
                for (String system : systems) {
                    Path systemDir = dir.resolve(system);
                    System.err.println("bench peers: " + system + " ...");
                    try (io.larch.bench.peers.PeerSystem peer = io.larch.bench.peers.PeerSystems.start(system, jar, systemDir,
                            openSearchHeap)) {
                        results.add(io.larch.bench.peers.PeersBench.run(peer, options));
                    }
                    deleteTree(systemDir);
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("benchmark", "peers");
                out.put("options", Map.of("events", events, "clients", load.clients, "batch", load.batch, "seconds",
                        load.seconds, "warmupSeconds", load.warmupSeconds, "loadClients", loadClients, "runs", runs,
                        "liveRates", liveRates, "liveRuns", liveRuns));
                out.put("results", results);
                if (!headSizes.isEmpty()) {
                    System.err.println("bench live: the head's share ...");
                    out.put("headShare", HeadShareBench.run(jar, dir.resolve("head-share"), events, headSizes, warmups, runs,
                            EventGenerator.loadLoghub(loghub)));
                    deleteTree(dir.resolve("head-share"));
                }
                write(out);
                System.out.println(io.larch.bench.peers.PeersBench.table(results));
            } finally {
                cleanUp(dir);
            }
            return 0;
        }
    }

    @Command(name = "live", description = "The query suite quiet and under live ingest (p50, p99), and the head's share of it.")
    static final class Live extends Peers {
        @Option(names = "--head-sizes", split = ",", defaultValue = "100000,2000000",
                description = "head sizes (unsealed events) at which the suite is timed against an empty head")
        List<Long> headSizes;

        @Override
        public Integer call() throws Exception {
            if (systems.equals(List.of("larch", "opensearch", "postgresql"))) {
                systems = List.of("larch");
            }
            if (liveRates.stream().allMatch(String::isBlank)) {
                liveRates = List.of("20000", "50%");
            }
            return runPeers(headSizes);
        }
    }

    /** The project {@link #createProject} makes, by its slug. */
    static final String PROJECT = "bench";

    static String createProject(String url) throws Exception {
        return new BenchHttp(url).postJson("/admin/projects", LarchProcess.ADMIN_TOKEN,
                "{\"name\":\"" + PROJECT + "\"}").get("key").asText();
    }

    /** One ingest run as a Markdown table row, with whether the alert evaluator kept up. */
    static String table(IngestBench.Result result, int rules, Map<String, Object> alerts) {
        return "| alert rules | events/s | p50 ms | p99 ms | errors | alert events dropped | queued at end | peak queued | alerts triggered |\n"
                + "|---|---|---|---|---|---|---|---|---|\n"
                + String.format(java.util.Locale.ROOT, "| %d | %,.0f | %.1f | %.1f | %d | %,d | %,d | %,d | %,d |", rules,
                result.eventsPerSecond(), result.p50Millis(), result.p99Millis(), result.errors(),
                (long) alerts.get("droppedEvents"), (long) alerts.get("queuedEventsAtEnd"),
                (long) alerts.get("peakQueuedEvents"), (long) alerts.get("alertsTriggered"));
    }

    /** The Larch counters that say whether sealing kept up. */
    static Map<String, Object> metrics(String url) throws Exception {
        Map<String, Object> picked = new LinkedHashMap<>();
        for (String line : new BenchHttp(url).getText("/metrics").split("\n")) {
            if (line.startsWith("larch_") && !line.startsWith("#")) {
                String[] parts = line.split(" ");
                picked.put(parts[0], Double.parseDouble(parts[parts.length - 1]));
            }
        }
        return picked;
    }

    static long treeSize(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
