package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.S3Server;
import io.larch.testing.SseClient;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code /metrics} after real work: ingest (stored, refused and dropped for each reason), a WAL
 * rotation, archive uploads to a real S3 (s3proxy) and one that the store refuses, a live stream,
 * an alert fired and suppressed. Every operations metric is there and moved; every metric the
 * Grafana dashboard and the Prometheus rules in {@code deploy/} query is in the scrape, so neither
 * can refer to a metric that was renamed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperationsMetricsApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    /** Prometheus's own series, which no exporter serves. */
    private static final Set<String> PROMETHEUS_SERIES = Set.of("up");
    private static final Pattern METRIC_NAME = Pattern.compile("\\b(?:larch|jvm|process|system)_[a-z0-9_]+\\b|\\bup\\b");
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
    private final List<String> hooks = new CopyOnWriteArrayList<>();
    private HttpServer receiver;
    private S3Server s3;
    private Map<String, Double> before;
    private Map<String, Double> after;
    private long ruleId;

    @BeforeAll
    void realWork(@TempDir Path dataDir) throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/", exchange -> {
            hooks.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        s3 = S3Server.startNew();
        Map<String, String> settings = new HashMap<>(s3Settings(S3Server.WRITE));
        settings.putAll(Map.of("LARCH_ALERT_PRIVATE_TARGETS", "on", "LARCH_RATE_PROJECT_EVENTS_PER_MIN", "300"));
        try (TestServer server = TestServer.start(dataDir, settings, clock)) {
            HttpJson http = server.http();
            String key = server.createProject("Ops");
            String readKey = http.post("/admin/projects/ops/keys", ADMIN, "{\"scopes\":[\"read\"]}").json().get("key").asText();
            before = scrape(http);
            HttpJson.Response rule = http.post("/admin/alerts?project=ops", ADMIN, "{\"name\":\"checkout errors\","
                    + "\"kind\":\"spike\",\"channels\":[{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:"
                    + receiver.getAddress().getPort() + "/hook\"}]}");
            assertEquals(201, rule.status(), rule.body());
            ruleId = rule.json().get("id").asLong();

            try (SseClient stream = SseClient.open(http.uri("/api/log/stream?project=ops"), readKey, Map.of())) {
                assertEquals(200, stream.status());
                await(() -> scrape(http).getOrDefault("larch_sse_connections{stream=\"log\"}", 0.0) == 1.0, "the stream counted");
                ingest(http, key, 202, events(10, "{\"message\":\"order %d shipped\"}"));
                assertEquals(10, stream.logEvents(10, WAIT).size(), "the stream got the events");
            }
            await(() -> scrape(http).getOrDefault("larch_sse_connections{stream=\"log\"}", -1.0) == 0.0, "the stream is closed");

            String work = "{\"kind\":\"work\",\"userId\":\"u1\",\"status\":\"working\",\"message\":\"thinking\"}";
            JsonNode repeated = ingest(http, key, 202, "[" + work + "," + work + "]").json();
            assertEquals(1, repeated.get("debounced").asInt(), repeated.toString());
            ingest(http, key, 202, events(5, "{\"level\":\"error\",\"message\":\"payment %d declined\"}"));
            await(() -> hooks.size() == 1, "the alert fired");
            ingest(http, key, 202, events(3, "{\"level\":\"error\",\"message\":\"payment %d declined\"}"));

            ingest(http, key, 400, "{\"events\":[{\"message\":\"fine\"},{\"level\":\"loud\",\"message\":\"bad level\"}]}");
            ingest(http, key, 400, "this is not json");
            ingest(http, key, 413, events(251, "{\"message\":\"line %d\"}"));
            ingest(http, key, 202, events(250, "{\"message\":\"bulk %d\"}"));
            ingest(http, key, 429, events(250, "{\"message\":\"bulk %d\"}"));
            assertEquals(401, http.get("/api/log", "larch_not_a_key").status());

            Thread.sleep(1500); // the evaluator ticks every second: the 3 repeats are seen in the quiet time
            clock.advance(Duration.ofMinutes(16));
            await(() -> hooks.size() == 2, "the summary of the suppressed repeats");

            assertEquals(200, http.post("/admin/maintain", ADMIN, "").status(), "sealing rotates the WAL");
            clock.advance(Duration.ofDays(30).plusHours(1));
            HttpJson.Response archived = http.post("/admin/maintain", ADMIN, "");
            assertEquals(200, archived.status(), archived.body());
            assertTrue(archived.json().get("archive").get("parts").asInt() > 0, archived.body());
            after = scrape(http);
        }
    }

    @AfterAll
    void stop() {
        receiver.stop(0);
        s3.close();
    }

    @Test
    void everyOperationsMetricMovesWithRealWork() {
        assertMoved("larch_events_written_total{kind=\"app\"}", 10 + 5 + 3 + 250);
        assertMoved("larch_events_written_total{kind=\"work\"}", 1);
        assertMoved("larch_events_dropped_total{reason=\"debounced\"}", 1);
        assertMoved("larch_events_dropped_total{reason=\"invalid\"}", 1);
        assertMoved("larch_events_dropped_total{reason=\"malformed\"}", 1);
        assertMoved("larch_events_dropped_total{reason=\"too_large\"}", 1);
        assertMoved("larch_events_dropped_total{reason=\"rate_limited\"}", 250);
        assertTrue(after.get("larch_segment_rotations_total{kind=\"app\"}") >= 1, after.toString());
        assertTrue(after.get("larch_segment_rotations_total{kind=\"work\"}") >= 1);
        assertTrue(after.get("larch_archive_upload_seconds_count") >= 1, after.toString());
        assertTrue(after.get("larch_archive_upload_seconds_sum") > 0);
        assertTrue(after.keySet().stream().anyMatch(s -> s.startsWith("larch_archive_upload_seconds_bucket{le=")),
                "a histogram, not a summary");
        assertEquals(0.0, after.get("larch_archive_upload_failures_total"));
        assertMoved("larch_stream_events_served_total", 10);
        assertEquals(1000.0, after.get("larch_sse_connections_limit"));
        assertEquals(0.0, after.get("larch_sse_connections{stream=\"log\"}"), "the stream ended");
        assertEquals(2.0, after.get("larch_alerts_triggered_total{channel=\"webhook\",severity=\"error\"}"),
                "the alert and its summary");
        assertEquals(3.0, after.get("larch_alerts_suppressed_total{rule=\"" + ruleId + "\"}"));
    }

    @Test
    void aFailedArchiveUploadIsCounted(@TempDir Path dataDir) {
        // The read-only identity as the writer: S3 answers 403 at once, a final failure (not retried).
        MutableClock refusedClock = MutableClock.at("2026-12-01T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, s3Settings(S3Server.READ), refusedClock)) {
            HttpJson http = server.http();
            String key = server.createProject("Refused");
            ingest(http, key, 202, events(3, "{\"message\":\"kept %d locally\"}"));
            assertEquals(200, http.post("/admin/maintain", ADMIN, "").status());
            refusedClock.advance(Duration.ofDays(31));
            HttpJson.Response run = http.post("/admin/maintain", ADMIN, "");
            assertEquals(200, run.status(), run.body());
            assertTrue(run.json().get("archive").get("failed").asInt() > 0, run.body());
            Map<String, Double> metrics = scrape(http);
            assertTrue(metrics.get("larch_archive_upload_failures_total") >= 1, metrics.toString());
            assertEquals(0.0, metrics.get("larch_archive_upload_seconds_count"), "only uploads that succeeded are timed");
        }
    }

    @Test
    void theGrafanaDashboardQueriesOnlyMetricsLarchServes() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(repoFile("deploy/grafana/larch-dashboard.json").toFile());
        assertEquals("datasource", dashboard.get("templating").get("list").get(0).get("type").asText(),
                "the Prometheus data source is a variable");
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.get("expr").asText());
            }
        }
        assertTrue(expressions.size() > 30, "panels for every area: " + expressions.size());
        assertServed("the dashboard", expressions);
        for (String required : List.of("larch_events_written_total", "larch_events_dropped_total",
                "larch_segment_rotations_total", "larch_archive_upload_seconds_bucket", "larch_archive_upload_failures_total",
                "larch_stream_events_served_total", "larch_sse_connections", "larch_alerts_triggered_total",
                "larch_alerts_suppressed_total", "larch_head_events", "larch_parts_quarantined", "larch_disk_free_bytes",
                "larch_wal_fsyncs_total")) {
            assertTrue(expressions.stream().anyMatch(e -> namesIn(e).contains(required)), "a panel shows " + required);
        }
    }

    @Test
    void thePrometheusRulesQueryOnlyMetricsLarchServes() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(repoFile("deploy/prometheus/larch-alerts.yml")));
        List<String> expressions = new ArrayList<>();
        Set<String> alerts = new TreeSet<>();
        for (Object group : (List<?>) file.get("groups")) {
            for (Object item : (List<?>) ((Map<?, ?>) group).get("rules")) {
                Map<?, ?> rule = (Map<?, ?>) item;
                alerts.add((String) rule.get("alert"));
                expressions.add((String) rule.get("expr"));
                assertTrue(((Map<?, ?>) rule.get("labels")).containsKey("severity"), rule.toString());
                assertTrue(((Map<?, ?>) rule.get("annotations")).containsKey("summary"), rule.toString());
            }
        }
        assertServed("the alert rules", expressions);
        String guide = Files.readString(repoFile("docs/operations.md"));
        for (String alert : alerts) {
            assertTrue(guide.contains("#### " + alert), "docs/operations.md says what " + alert + " means and what to do");
        }
    }

    private void assertServed(String what, List<String> expressions) {
        Set<String> served = new TreeSet<>();
        after.keySet().forEach(series -> served.add(series.replaceFirst("\\{.*", "")));
        for (String expression : expressions) {
            for (String name : namesIn(expression)) {
                assertTrue(served.contains(name) || PROMETHEUS_SERIES.contains(name),
                        what + " queries " + name + ", which /metrics does not serve (renamed?): " + expression);
            }
        }
    }

    private static Set<String> namesIn(String expression) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC_NAME.matcher(expression);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        return names;
    }

    private void assertMoved(String series, double atLeast) {
        double moved = after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
        assertTrue(moved >= atLeast, series + " moved by " + moved + ", expected at least " + atLeast);
    }

    private Map<String, String> s3Settings(io.larch.config.LarchConfig.S3Credentials writer) {
        return Map.of("LARCH_ARCHIVE_STORE", "s3", "LARCH_S3_BUCKET", S3Server.BUCKET,
                "LARCH_S3_ENDPOINT", s3.endpoint().toString(), "LARCH_S3_PATH_STYLE", "true",
                "LARCH_S3_ACCESS_KEY_ID", writer.accessKeyId(), "LARCH_S3_SECRET_ACCESS_KEY", writer.secretAccessKey());
    }

    /** Every series of a scrape, {@code name{labels}} as Prometheus prints it, with its value. */
    static Map<String, Double> scrape(HttpJson http) {
        HttpJson.Response response = http.get("/metrics", null);
        assertEquals(200, response.status());
        Map<String, Double> series = new HashMap<>();
        for (String line : response.body().lines().toList()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return series;
    }

    private static HttpJson.Response ingest(HttpJson http, String key, int status, String body) {
        HttpJson.Response response = http.post("/api/log", key, body);
        assertEquals(status, response.status(), response.body());
        return response;
    }

    private static String events(int n, String template) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            json.append(i == 0 ? "" : ",").append(template.formatted(i));
        }
        return json.append("]").toString();
    }

    /** A file of the repository, found from the server module (where Maven runs the tests) or the root. */
    static Path repoFile(String path) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(path))) {
                return dir.resolve(path);
            }
        }
        throw new UncheckedIOException(new IOException("no " + path + " above " + Path.of("").toAbsolutePath()));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }
}
