package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.config.ConfigException;
import io.larch.model.EventId;
import io.larch.testing.HttpJson;
import io.larch.testing.PostgresServer;
import io.larch.testing.SseClient;
import io.larch.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two whole Larch nodes in this JVM sharing one real PostgreSQL (each its own data dir and node
 * id): a live tail on either node gets both nodes' events in id order, each once; a stream
 * resumed on the other node misses nothing; the internal endpoint wants the cluster secret; a
 * second node with a taken id does not start; the LISTEN connection survives being killed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterTailApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private static final String SECRET = "cluster-tail-test-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);

    private String metadataUrl;
    private TestServer a;
    private TestServer b;
    private String ingestKey;
    private String readKey;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        metadataUrl = PostgresServer.shared().newDatabase();
        a = TestServer.start(Files.createDirectories(dir.resolve("a")), node(1), Clock.systemUTC());
        b = TestServer.start(Files.createDirectories(dir.resolve("b")), node(2), Clock.systemUTC());
        ingestKey = LiveTailApiTest.project(a.http(), "shop");
        readKey = LiveTailApiTest.key(a.http(), "shop", "\"read\"");
        // Both nodes know each other's address once a heartbeat has gone round.
        waitForPeers(a);
        waitForPeers(b);
    }

    private Map<String, String> node(int id) {
        return Map.of("LARCH_METADATA_URL", metadataUrl, "LARCH_NODE_ID", Integer.toString(id),
                "LARCH_CLUSTER_SECRET", SECRET, "LARCH_ARCHIVE_DIR", TestServer.sharedArchiveDir(metadataUrl));
    }

    @AfterAll
    void stop() {
        for (TestServer node : List.of(a, b)) {
            String metrics = node.http().get("/metrics", null).body();
            metrics.lines().filter(l -> l.startsWith("larch_cluster_")).forEach(l -> System.out.println("node " + node.larch().port() + " " + l));
        }
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    private static void waitForPeers(TestServer server) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (server.http().get("/metrics", null).body().contains("larch_cluster_nodes_alive 2.0")) {
                Thread.sleep(2500); // the peer's URL arrives with the next heartbeat's read
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the nodes did not see each other within " + WAIT);
    }

    /** Ingests one event per message, alternating between the nodes; returns the messages. */
    private List<String> ingestOnBoth(String prefix, int count) {
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String message = prefix + "-" + i;
            LiveTailApiTest.ingest((i % 2 == 0 ? a : b).http(), ingestKey, "{\"message\":\"" + message + "\"}");
            messages.add(message);
        }
        return messages;
    }

    /** A live stream on {@code node} of project shop's events with the word {@code word}, once it is live. */
    private SseClient live(TestServer node, String word) throws InterruptedException {
        SseClient stream = LiveTailApiTest.stream(node.http(), "/api/log/stream?project=shop&q=" + word, readKey, null);
        assertEquals(200, stream.status());
        stream.next("live", WAIT);
        return stream;
    }

    /** No further event arrives on {@code stream} (none is sent twice). */
    private static void assertNothingMore(SseClient stream) throws InterruptedException {
        Thread.sleep(500);
        assertEquals(List.of(), stream.drain().stream().filter(f -> f.event().equals("log")).toList(), "none twice");
    }

    /** The messages of {@code frames}, checking their ids rise strictly (id order, none twice). */
    private static List<String> inIdOrder(List<SseClient.Frame> frames) throws Exception {
        List<String> messages = new ArrayList<>();
        long last = -1;
        for (SseClient.Frame frame : frames) {
            long id = EventId.parse(frame.id());
            assertTrue(id > last, "ids rise: " + frame.id() + " after " + EventId.format(Math.max(0, last)));
            last = id;
            messages.add(JSON.readTree(frame.data()).get("message").asText());
        }
        return messages;
    }

    @Test
    void aTailOnEitherNodeGetsBothNodesEventsInIdOrderEachOnce() throws Exception {
        try (SseClient onA = LiveTailApiTest.stream(a.http(), "/api/log/stream?project=shop&q=both", readKey, null);
             SseClient onB = LiveTailApiTest.stream(b.http(), "/api/log/stream?project=shop&q=both", readKey, null)) {
            assertEquals(200, onA.status());
            assertEquals(200, onB.status());
            onA.next("live", WAIT);
            onB.next("live", WAIT);
            // Both nodes ingest at once, so their ids interleave.
            CountDownLatch go = new CountDownLatch(1);
            List<String> sent = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> writers = new ArrayList<>();
            for (TestServer node : List.of(a, b)) {
                writers.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 30; i++) {
                        String message = "both " + node.larch().port() + "-" + i;
                        LiveTailApiTest.ingest(node.http(), ingestKey, "{\"message\":\"" + message + "\"}");
                        sent.add(message);
                    }
                }));
            }
            go.countDown();
            for (Thread writer : writers) {
                writer.join();
            }
            List<String> seenOnA = inIdOrder(onA.logEvents(60, WAIT));
            List<String> seenOnB = inIdOrder(onB.logEvents(60, WAIT));
            assertEquals(Set.copyOf(sent), Set.copyOf(seenOnA), "node A's stream has every event of both nodes");
            assertEquals(seenOnA, seenOnB, "the same events in the same (id) order on both nodes");
            assertEquals(60, seenOnA.size());
            assertNothingMore(onA);
        }
    }

    @Test
    void anEventIngestedOnOneNodeReachesAStreamOnTheOtherWithinASecond() throws Exception {
        try (SseClient onA = live(a, "quick")) {
            List<Long> millis = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long sent = System.nanoTime();
                LiveTailApiTest.ingest(b.http(), ingestKey, "{\"message\":\"quick " + i + "\"}");
                List<SseClient.Frame> got = onA.logEvents(1, WAIT);
                assertEquals(1, got.size(), "event " + i + " from node B");
                millis.add((System.nanoTime() - sent) / 1_000_000);
            }
            millis.sort(null);
            System.out.println("cluster tail latency B to A (ms): " + millis);
            assertTrue(millis.get(2) < 1000, "median latency from node B to a stream on node A: " + millis + " ms");
        }
    }

    @Test
    void aStreamResumedOnTheOtherNodeMissesNothingAndRepeatsNothing() throws Exception {
        List<String> first = ingestOnBoth("resume first", 10);
        // A stream that starts live starts at the watermark, a few ms behind: let these fall below it.
        Thread.sleep(1000);
        String lastSeen;
        List<String> seen = new ArrayList<>();
        try (SseClient onA = LiveTailApiTest.stream(a.http(), "/api/log/stream?project=shop&q=resume", readKey, null)) {
            onA.next("live", WAIT);
            List<String> before = ingestOnBoth("resume before", 6);
            List<SseClient.Frame> frames = onA.logEvents(6, WAIT);
            seen.addAll(inIdOrder(frames));
            assertEquals(Set.copyOf(before), Set.copyOf(seen));
            lastSeen = frames.getLast().id();
        }
        // Disconnected: both nodes go on storing.
        List<String> missed = ingestOnBoth("resume missed", 12);
        try (SseClient onB = LiveTailApiTest.stream(b.http(), "/api/log/stream?project=shop&q=resume", readKey, lastSeen)) {
            List<SseClient.Frame> caughtUp = onB.logEvents(12, WAIT);
            assertTrue(EventId.parse(caughtUp.getFirst().id()) > EventId.parse(lastSeen));
            List<String> resumed = inIdOrder(caughtUp);
            assertEquals(Set.copyOf(missed), Set.copyOf(resumed), "catch-up on node B has both nodes' events");
            List<String> after = ingestOnBoth("resume after", 4);
            List<String> live = inIdOrder(onB.logEvents(4, WAIT));
            assertEquals(Set.copyOf(after), Set.copyOf(live));
            assertNothingMore(onB);
            assertTrue(first.stream().noneMatch(resumed::contains), "nothing from before the resume point");
        }
    }

    @Test
    void aStoppedNodeHoldsNothingBackAndOnceRestartedItsEventsFlowAgain() throws Exception {
        try (SseClient onA = live(a, "restart")) {
            LiveTailApiTest.ingest(b.http(), ingestKey, "{\"message\":\"restart before\"}");
            assertEquals(List.of("restart before"), inIdOrder(onA.logEvents(1, WAIT)));
            b.stop();
            long sent = System.nanoTime();
            LiveTailApiTest.ingest(a.http(), ingestKey, "{\"message\":\"restart alone\"}");
            assertEquals(List.of("restart alone"), inIdOrder(onA.logEvents(1, WAIT)));
            long millis = (System.nanoTime() - sent) / 1_000_000;
            assertTrue(millis < 1000, "node B said it stops: A's own events wait for nothing (" + millis + " ms)");
            b.start();
            waitForPeers(a);
            LiveTailApiTest.ingest(b.http(), ingestKey, "{\"message\":\"restart again\"}");
            assertEquals(List.of("restart again"), inIdOrder(onA.logEvents(1, WAIT)));
        }
    }

    @Test
    void anEndUsersFeedResumedOnTheOtherNodeHasBothNodesWorkLogsAndNoOneElses() throws Exception {
        String token = a.http().post("/api/tokens", readKey, "{\"userId\":\"u-cluster\"}").json().get("token").asText();
        String lastSeen;
        try (SseClient feed = LiveTailApiTest.stream(b.http(), "/api/work-log/stream", token, null)) {
            feed.next("live", WAIT);
            workLog(a, "u-cluster", "feed one");
            workLog(b, "u-other", "not mine");
            workLog(b, "u-cluster", "feed two");
            List<SseClient.Frame> frames = feed.logEvents(2, WAIT);
            assertEquals(List.of("feed one", "feed two"), inIdOrder(frames));
            lastSeen = frames.getLast().id();
        }
        workLog(b, "u-cluster", "feed three");
        workLog(a, "u-other", "still not mine");
        workLog(a, "u-cluster", "feed four");
        try (SseClient resumed = LiveTailApiTest.stream(a.http(), "/api/work-log/stream", token, lastSeen)) {
            assertEquals(List.of("feed three", "feed four"), inIdOrder(resumed.logEvents(2, WAIT)));
            assertNothingMore(resumed);
        }
    }

    private void workLog(TestServer node, String user, String message) {
        LiveTailApiTest.ingest(node.http(), ingestKey, "{\"kind\":\"work\",\"userId\":\"" + user + "\",\"message\":\""
                + message + "\"}");
    }

    @Test
    void theInternalEndpointWantsTheClusterSecret() {
        HttpJson http = a.http();
        assertEquals(401, http.get("/internal/head?after=0000000000000", null).status());
        assertEquals(401, http.get("/internal/head?after=0000000000000", "not-the-cluster-secret-0123456789").status());
        assertEquals(403, http.get("/internal/head?after=0000000000000", ADMIN).status());
        assertEquals(403, http.get("/internal/head?after=0000000000000", readKey).status());
        HttpJson.Response head = http.get("/internal/head?after=0000000000000&limit=5", SECRET);
        assertEquals(200, head.status());
        assertEquals("1", head.raw().headers().firstValue("Larch-Node").orElseThrow());
    }

    @Test
    void aSecondNodeWithATakenIdDoesNotStartAndNamesTheSetting(@TempDir Path other) {
        ConfigException refused = assertThrows(ConfigException.class, () -> TestServer.start(other, node(1),
                Clock.systemUTC()));
        assertTrue(refused.getMessage().contains("LARCH_NODE_ID: 1 is in use by another node"), refused.getMessage());
    }

    @Test
    void killingTheListenConnectionLosesNoEventAndItComesBack() throws Exception {
        try (SseClient onA = live(a, "killed")) {
            List<String> sent = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                assertEquals(1, terminate("larch-tail-1"), "node A's listener was found and killed");
                for (int i = 0; i < 4; i++) {
                    String message = "killed " + round + "-" + i;
                    LiveTailApiTest.ingest((i % 2 == 0 ? b : a).http(), ingestKey, "{\"message\":\"" + message + "\"}");
                    sent.add(message);
                }
                waitForListener("larch-tail-1");
            }
            List<String> seen = inIdOrder(onA.logEvents(sent.size(), WAIT));
            assertEquals(Set.copyOf(sent), new HashSet<>(seen));
            assertEquals(sent.size(), seen.size());
            assertTrue(a.http().get("/metrics", null).body().matches("(?s).*larch_cluster_tail_bus_reconnects_total [1-9].*"),
                    "the reconnects are counted");
        }
    }

    /** Kills the backends of {@code application}; returns how many. */
    private int terminate(String application) throws Exception {
        return count("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                + application + "') k");
    }

    private void waitForListener(String application) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (count("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + application + "'") == 1) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(application + " did not reconnect within " + WAIT);
    }

    /** The one number {@code sql} answers, on the shared PostgreSQL. */
    private int count(String sql) throws Exception {
        try (Connection admin = DriverManager.getConnection(metadataUrl); Statement statement = admin.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
