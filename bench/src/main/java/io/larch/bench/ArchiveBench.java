package io.larch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The archive tier against s3proxy on loopback: events two days old are loaded through
 * {@code POST /api/log} and sealed, the query suite runs while their parts are local, then a
 * retention override puts them past the warm boundary and {@code POST /admin/maintain} uploads
 * them (timed: MB/s and parts/s). Each query then runs cold (the server restarted with an empty
 * {@code cache/}, so every part it reads comes from the archive) and warm (again, from the
 * cache). A background client keeps sending current events throughout, so the head is live.
 */
@Command(name = "archive", description = "Archive upload to s3proxy, and cold (archive only) against warm (cached) queries.")
final class ArchiveBench extends BenchMain.Common implements Callable<Integer> {
    @Option(names = "--events", defaultValue = "1000000")
    long events;

    @Option(names = "--load-clients", defaultValue = "4")
    int loadClients;

    @Option(names = "--rounds", defaultValue = "3", description = "cold runs of each query (each after a restart with an empty cache)")
    int rounds;

    @Option(names = "--runs", defaultValue = "10", description = "warm and local runs of each query")
    int runs;

    @Option(names = "--live-per-second", defaultValue = "200", description = "current events sent meanwhile")
    int livePerSecond;

    /** One measured query: p50 of its runs, the archive-only parts it read, and a digest of its answer. */
    record Timing(String query, String tier, double p50Millis, int archivedPartsRead, String answer) {
        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("query", query);
            map.put("tier", tier);
            map.put("p50Ms", p50Millis);
            map.put("archivedPartsRead", archivedPartsRead);
            map.put("answer", answer);
            return map;
        }
    }

    /** The questions asked of the archived day: a selective search, a count, a histogram, a top-N. */
    static List<QueryBench.Case> suite(Instant end) {
        String from = end.minus(Duration.ofDays(1)).toString();
        String to = end.plusSeconds(1).toString();
        return List.of(
                new QueryBench.Case("one userId, latest 100, 1 day", "/api/log",
                        Map.of("q", "user:u4242", "limit", "100", "from", from, "to", to)),
                new QueryBench.Case("common word, latest 100, 1 day", "/api/log",
                        Map.of("q", EventGenerator.COMMON_WORD, "limit", "100", "from", from, "to", to)),
                new QueryBench.Case("level=error count, 1 day", "/api/log/stats", Map.of("level", "error", "from", from, "to", to)),
                new QueryBench.Case("per-minute histogram, 1 day", "/api/log/histogram",
                        Map.of("interval", "1m", "from", from, "to", to)),
                new QueryBench.Case("top-10 fingerprints, 1 day", "/api/log/top",
                        Map.of("field", "fingerprint", "limit", "10", "from", from, "to", to)));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = dataDirOrTemp();
        try {
            write(run(jar, dir, loghub == null ? List.of() : EventGenerator.loadLoghub(loghub),
                    events, loadClients, rounds, runs, livePerSecond));
        } finally {
            cleanUp(dir);
        }
        return 0;
    }

    /** The whole benchmark; {@code dir} holds the server's data dir and the s3proxy objects. */
    static Map<String, Object> run(Path jar, Path dir, List<String> loghub, long events, int loadClients, int rounds, int runs,
                                   int livePerSecond) throws Exception {
        Path dataDir = dir.resolve("larch");
        Path objects = Files.createDirectories(dir.resolve("s3"));
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("benchmark", "archive");
        results.put("events", events);
        List<Timing> timings = new ArrayList<>();
        try (BenchS3 s3 = BenchS3.start(objects)) {
            Map<String, String> env = Map.of(
                    "LARCH_ARCHIVE_STORE", "s3",
                    "LARCH_S3_BUCKET", BenchS3.BUCKET,
                    "LARCH_S3_ENDPOINT", s3.endpoint(),
                    "LARCH_S3_PATH_STYLE", "true",
                    "LARCH_S3_ACCESS_KEY_ID", BenchS3.ACCESS_KEY_ID,
                    "LARCH_S3_SECRET_ACCESS_KEY", BenchS3.SECRET_ACCESS_KEY,
                    // archived parts lose their local copy in the run that uploads them: reads go to the archive
                    "LARCH_ARCHIVE_LOCAL_GRACE", "1ms");
            // The archived day ends two days ago: past a 1 h warm boundary, inside the default one.
            Instant end = Instant.now().minus(Duration.ofDays(2));
            List<QueryBench.Case> cases = suite(end);
            String key;
            try (LarchProcess larch = LarchProcess.start(jar, dataDir, env)) {
                key = BenchMain.createProject(larch.url());
                long loadStarted = System.nanoTime();
                QueryBench.load(larch.url(), key, events, loadClients, loghub, end);
                results.put("loadSeconds", seconds(loadStarted));
                JsonNode sealed = admin(larch).postJson("/admin/maintain", LarchProcess.ADMIN_TOKEN, "");
                results.put("sealMaintain", sealed);
                try (LiveIngest live = LiveIngest.start(larch.url(), key, loghub, livePerSecond)) {
                    for (QueryBench.Case c : cases) {
                        timings.add(time(larch.url(), key, c, "local", runs));
                    }
                }
                admin(larch).put("/admin/projects/bench/retention", LarchProcess.ADMIN_TOKEN,
                        "{\"hot\":\"1h\",\"warm\":\"1h\"}");
                long archiveStarted = System.nanoTime();
                JsonNode report = admin(larch).postJson("/admin/maintain", LarchProcess.ADMIN_TOKEN, "");
                double wallSeconds = seconds(archiveStarted);
                JsonNode archived = report.path("archive");
                long bytes = archived.path("bytes").asLong();
                long parts = archived.path("parts").asLong();
                double maintainSeconds = report.path("durationMs").asLong() / 1000.0;
                Map<String, Object> upload = new LinkedHashMap<>();
                upload.put("parts", parts);
                upload.put("bytes", bytes);
                upload.put("maintainSeconds", maintainSeconds);
                upload.put("requestSeconds", round(wallSeconds));
                upload.put("megabytesPerSecond", round(bytes / 1e6 / Math.max(maintainSeconds, 1e-3)));
                upload.put("partsPerSecond", round(parts / Math.max(maintainSeconds, 1e-3)));
                upload.put("localCopiesDropped", archived.path("localCopiesDropped").asLong());
                upload.put("report", report);
                results.put("upload", upload);
                if (archived.path("localCopiesDropped").asLong() < parts) {
                    admin(larch).postJson("/admin/maintain", LarchProcess.ADMIN_TOKEN, "");
                }
                results.put("systemAfterArchive", admin(larch).get("/api/stats/system", LarchProcess.ADMIN_TOKEN, Map.of()));
            }
            Map<String, List<Double>> cold = new LinkedHashMap<>();
            Map<String, Timing> firstCold = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                for (QueryBench.Case c : cases) {
                    // a restart with an empty cache for each cold run: nothing this query reads is cached
                    BenchMain.deleteTree(dataDir.resolve("cache"));
                    try (LarchProcess larch = LarchProcess.start(jar, dataDir, env);
                         LiveIngest live = LiveIngest.start(larch.url(), key, loghub, livePerSecond)) {
                        warmUpOnLiveEvents(larch.url(), key, c);
                        Timing once = time(larch.url(), key, c, "cold", 1);
                        cold.computeIfAbsent(c.name(), n -> new ArrayList<>()).add(once.p50Millis());
                        firstCold.putIfAbsent(c.name(), once);
                        if (round == 0) {
                            timings.add(time(larch.url(), key, c, "warm", runs));
                        }
                    }
                }
            }
            for (QueryBench.Case c : cases) {
                Timing first = firstCold.get(c.name());
                timings.add(new Timing(c.name(), "cold", median(cold.get(c.name())), first.archivedPartsRead(), first.answer()));
            }
            results.put("bucketBytes", BenchMain.treeSize(objects));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Timing timing : timings) {
            rows.add(timing.toMap());
        }
        results.put("queries", rows);
        return results;
    }

    private static BenchHttp admin(LarchProcess larch) {
        return new BenchHttp(larch.url());
    }

    private static Timing time(String url, String key, QueryBench.Case c, String tier, int runs) throws Exception {
        BenchHttp http = new BenchHttp(url);
        double[] millis = new double[runs];
        JsonNode answer = null;
        int archivedPartsRead = 0;
        for (int i = 0; i < runs; i++) {
            long started = System.nanoTime();
            answer = http.get(c.path(), key, c.params());
            millis[i] = (System.nanoTime() - started) / 1e6;
            if (i == 0) {
                archivedPartsRead = answer.path("archivedPartsRead").asInt();
            }
        }
        Arrays.sort(millis);
        return new Timing(c.name(), tier, round(millis[runs / 2]), archivedPartsRead, QueryBench.describe(answer));
    }

    /**
     * The same query over the last minutes (head and local parts only), so that the cold run times
     * the archive fetch and not a just-started server's JIT.
     */
    private static void warmUpOnLiveEvents(String url, String key, QueryBench.Case c) throws Exception {
        Map<String, String> params = new LinkedHashMap<>(c.params());
        params.put("from", Instant.now().minus(Duration.ofMinutes(10)).toString());
        params.put("to", Instant.now().plus(Duration.ofMinutes(10)).toString());
        BenchHttp http = new BenchHttp(url);
        for (int i = 0; i < 10; i++) {
            http.get(c.path(), key, params);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static double seconds(long startedNanos) {
        return round((System.nanoTime() - startedNanos) / 1e9);
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    /** A trickle of current events through {@code POST /api/log} while the queries run. */
    static final class LiveIngest implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong sent = new AtomicLong();
        private final Thread thread;

        private LiveIngest(String url, String key, List<String> loghub, int perSecond) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                BenchHttp http = new BenchHttp(url);
                EventGenerator generator = new EventGenerator(991, loghub, Instant.now(), 3_600_000L, 0);
                int batch = Math.max(1, perSecond / 10);
                while (running.get()) {
                    try {
                        // timestamps from now on, perSecond of them a second: about the time they are sent
                        byte[] body = generator.batch(batch, 3_600L * perSecond).getBytes(StandardCharsets.UTF_8);
                        http.post("/api/log", key, body);
                        sent.addAndGet(batch);
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // a live client retries; the benchmark measures the queries, not this
                    }
                }
            });
        }

        static LiveIngest start(String url, String key, List<String> loghub, int perSecond) {
            return new LiveIngest(url, key, loghub, perSecond);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.interrupt();
            thread.join();
        }
    }
}
