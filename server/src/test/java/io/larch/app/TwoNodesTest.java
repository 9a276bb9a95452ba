package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.larch.testing.ChildLarch;
import io.larch.testing.HttpJson;
import io.larch.testing.PostgresServer;
import io.larch.testing.S3Server;
import io.larch.testing.SseClient;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Larch nodes in their own JVMs, each with its own data dir, on one real PostgreSQL and one
 * real S3 (s3proxy), all on loopback: what a team behind a load balancer runs.
 */
class TwoNodesTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private static final Duration FRESHNESS = Duration.ofSeconds(30);
    private static S3Server s3;

    @TempDir
    Path dir;
    private String metadataUrl;
    private HttpServer receivers;
    private final Map<String, List<String>> received = new ConcurrentHashMap<>();
    private final List<ChildLarch> started = new ArrayList<>();

    @BeforeAll
    static void startS3() {
        s3 = S3Server.startNew();
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @BeforeEach
    void start() throws IOException {
        metadataUrl = PostgresServer.shared().newDatabase();
        receivers = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receivers.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new CopyOnWriteArrayList<>()).add(body);
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receivers.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ChildLarch node : started) {
            node.close();
        }
        receivers.stop(0);
    }

    private ChildLarch node(int id) throws IOException, InterruptedException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LARCH_METADATA_URL", metadataUrl);
        env.put("LARCH_NODE_ID", Integer.toString(id));
        env.put("LARCH_CLUSTER_SECRET", "two-nodes-test-cluster-secret-0123456789");
        env.put("LARCH_ARCHIVE_STORE", "s3");
        env.put("LARCH_S3_BUCKET", S3Server.BUCKET);
        env.put("LARCH_S3_ENDPOINT", s3.endpoint().toString());
        env.put("LARCH_S3_PATH_STYLE", "true");
        env.put("LARCH_S3_PREFIX", dir.getFileName().toString());
        env.put("LARCH_S3_ACCESS_KEY_ID", S3Server.WRITE.accessKeyId());
        env.put("LARCH_S3_SECRET_ACCESS_KEY", S3Server.WRITE.secretAccessKey());
        env.put("LARCH_SHARED_SEAL_INTERVAL", "1s");
        env.put("LARCH_SHARED_REFRESH_INTERVAL", "200ms");
        env.put("LARCH_ALERT_PRIVATE_TARGETS", "on");
        env.put("LARCH_SYSTEM_EVENTS_INTERVAL", "1s");
        ChildLarch node = ChildLarch.start(dir.resolve("node-" + id), env);
        started.add(node);
        return node;
    }

    @Test
    void bothNodesAnswerWithEveryAcknowledgedEventAndSurviveASigkill() throws Exception {
        ChildLarch a = node(0);
        ChildLarch b = node(1);
        String key = createProject(a.http());
        Set<String> acknowledged = new HashSet<>();
        acknowledged.addAll(ingest(a.http(), key, 100, "order placed"));
        acknowledged.addAll(ingest(b.http(), key, 100, "order placed"));
        for (ChildLarch node : List.of(a, b)) {
            await(FRESHNESS, () -> new HashSet<>(ids(node.http(), key, "order")).equals(acknowledged),
                    "every node finds all 200");
        }
        assertTrue(a.http().metric("larch_shared_parts_adopted") > 0, "A reads B's parts from the archive");
        JsonNode shared = a.http().get("/api/stats/system", ADMIN).json().get("sharedCatalog");
        assertEquals(0, shared.get("pendingParts").asInt(), shared.toString());

        // SIGKILL B in the middle of a stream of acknowledged batches: nothing acknowledged is lost
        CountDownLatch someAcknowledged = new CountDownLatch(20);
        Set<String> beforeKill = ConcurrentHashMap.newKeySet();
        Thread sender = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 2_000 && !Thread.currentThread().isInterrupted(); i++) {
                try {
                    beforeKill.addAll(ingest(b.http(), key, 50, "during kill " + i));
                    someAcknowledged.countDown();
                } catch (RuntimeException | AssertionError refusedOrDead) {
                    return;
                }
            }
        });
        assertTrue(someAcknowledged.await(60, java.util.concurrent.TimeUnit.SECONDS));
        b.kill();
        sender.interrupt();
        sender.join();
        ChildLarch restarted = node(1);
        for (ChildLarch node : List.of(a, restarted)) {
            await(FRESHNESS, () -> ids(node.http(), key, "during").containsAll(beforeKill),
                    "every event B acknowledged before SIGKILL (" + beforeKill.size() + ") is found on each node");
            List<String> found = ids(node.http(), key, "during");
            assertEquals(new HashSet<>(found).size(), found.size(), "none twice");
        }

        // a live tail on A sees what B stores (and A), each once, in id order
        SseClient tail = SseClient.open(a.http().uri("/api/log/stream?q=tailed"), key, Map.of());
        assertEquals(200, tail.status());
        List<String> tailed = new ArrayList<>(ingest(restarted.http(), key, 5, "tailed on b"));
        tailed.addAll(ingest(a.http(), key, 5, "tailed on a"));
        List<String> seen = tail.logEvents(10, Duration.ofSeconds(10)).stream().map(SseClient.Frame::id).toList();
        assertEquals(tailed.stream().sorted().toList(), seen, "both nodes' events, once each, in id order");
        tail.close();
    }

    @Test
    void oneAlertAcrossBothNodes() throws Exception {
        ChildLarch a = node(0);
        ChildLarch b = node(1);
        createProject(a.http());
        String discord = "/discord/api/webhooks/1/tok";
        HttpJson.Response rule = a.http().post("/admin/alerts?project=shop", ADMIN, "{\"name\":\"checkout errors\","
                + "\"kind\":\"spike\",\"channels\":[{\"type\":\"discord\",\"url\":\"http://127.0.0.1:"
                + receivers.getAddress().getPort() + discord + "\"}]}");
        assertEquals(201, rule.status(), rule.body());
        String key = a.http().post("/admin/projects/shop/keys", ADMIN, "{\"name\":\"ingest\"}").json().get("key").asText();
        // each node alone sees enough identical errors to fire the rule
        ingestErrors(a.http(), key, 6);
        ingestErrors(b.http(), key, 6);
        await(Duration.ofSeconds(20), () -> !received.getOrDefault(discord, List.of()).isEmpty(), "the alert fires");
        Thread.sleep(5_000);
        assertEquals(1, received.get(discord).size(), "one Discord message, not one per node: " + received.get(discord));
    }

    @Test
    void aProjectRateLimitHoldsAcrossBothNodes() throws Exception {
        ChildLarch a = node(0);
        ChildLarch b = node(1);
        String key = createProject(a.http());
        HttpJson.Response limited = a.http().send(HttpRequest.newBuilder(a.http().uri("/admin/projects/shop/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"limits\":{\"eventsPerMinute\":300}}")), ADMIN);
        assertEquals(200, limited.status(), limited.body());
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < 10; i++) {
            for (ChildLarch node : List.of(a, b)) {
                HttpJson.Response answer = post(node.http(), key, 50, "limited " + i);
                if (answer.status() == 202) {
                    accepted += 50;
                } else {
                    assertEquals(429, answer.status(), answer.body());
                    refused += 50;
                }
            }
        }
        assertTrue(accepted <= 350, accepted + " events accepted across two nodes against a limit of 300 a minute");
        assertTrue(accepted >= 250, accepted + " accepted: the limit is shared, not zero");
        assertEquals(1000, accepted + refused);
    }

    @Test
    void maintenanceNeverRunsOnBothNodesAtOnce() throws Exception {
        ChildLarch a = node(0);
        ChildLarch b = node(1);
        String key = createProject(a.http());
        ingest(a.http(), key, 50, "some work");
        ingest(b.http(), key, 50, "some work");
        List<Thread> callers = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (ChildLarch node : List.of(a, b)) {
                callers.add(Thread.ofVirtual().start(() -> node.http().post("/admin/maintain", ADMIN, "")));
            }
        }
        for (Thread caller : callers) {
            caller.join(Duration.ofMinutes(2));
        }
        List<long[]> runs = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(metadataUrl); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT node_id, started_at, finished_at FROM maintenance_runs "
                     + "WHERE finished_at IS NOT NULL ORDER BY started_at")) {
            while (rows.next()) {
                runs.add(new long[]{rows.getLong(1), rows.getLong(2), rows.getLong(3)});
            }
        }
        assertTrue(runs.size() >= 2, "both nodes maintained: " + runs.size() + " runs");
        for (int i = 1; i < runs.size(); i++) {
            assertTrue(runs.get(i)[1] >= runs.get(i - 1)[2], "run " + i + " on node " + runs.get(i)[0]
                    + " started before the run on node " + runs.get(i - 1)[0] + " finished");
        }
    }

    private static String createProject(HttpJson http) {
        HttpJson.Response created = http.post("/admin/projects", ADMIN, "{\"name\":\"Shop\"}");
        assertEquals(201, created.status(), created.body());
        return created.json().get("key").asText();
    }

    /** Posts {@code n} events in one batch and answers the ids the 202 acknowledged. */
    private static List<String> ingest(HttpJson http, String key, int n, String message) {
        HttpJson.Response stored = post(http, key, n, message);
        assertEquals(202, stored.status(), stored.body());
        List<String> ids = new ArrayList<>();
        stored.json().get("ids").forEach(id -> ids.add(id.asText()));
        assertEquals(n, ids.size(), stored.body());
        return ids;
    }

    private static HttpJson.Response post(HttpJson http, String key, int n, String message) {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < n; i++) {
            batch.append("{\"message\":\"").append(message).append(' ').append(i).append("\"}\n");
        }
        return http.post("/api/log", key, "application/x-ndjson", batch.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void ingestErrors(HttpJson http, String key, int n) {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < n; i++) {
            batch.append("{\"level\":\"error\",\"source\":\"checkout\",\"message\":\"payment declined\"}\n");
        }
        HttpJson.Response stored = http.post("/api/log", key, "application/x-ndjson",
                batch.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(202, stored.status(), stored.body());
    }

    /** Every id a search for {@code word} finds, following the cursor, as often as it is found. */
    private static List<String> ids(HttpJson http, String key, String word) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            Map<String, String> params = new LinkedHashMap<>(Map.of("q", word, "limit", "1000"));
            if (cursor != null) {
                params.put("cursor", cursor);
            }
            HttpJson.Response page = http.get("/api/log", key, params);
            assertEquals(200, page.status(), page.body());
            page.json().get("events").forEach(e -> ids.add(e.get("id").asText()));
            JsonNode next = page.json().get("next");
            cursor = next == null || next.isNull() ? null : next.asText();
        } while (cursor != null);
        return ids;
    }

    private static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(100);
        }
    }
}
