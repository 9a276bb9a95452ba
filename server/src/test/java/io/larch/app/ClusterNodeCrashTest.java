package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.testing.ChildLarch;
import io.larch.testing.PostgresServer;
import io.larch.testing.SseClient;
import io.larch.testing.TestServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with SIGKILL holds the other nodes' live tails back only until its heartbeat is
 * stale; restarted on its data dir it takes its id back at once, and a stream resumed from before
 * the kill gets every event it acknowledged, on the other node.
 */
class ClusterNodeCrashTest {
    private static final String SECRET = "cluster-crash-test-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aKilledNodeStopsHoldingTheTailOnceStaleAndItsEventsAreResumableAfterItsRestart(@TempDir Path dir)
            throws Exception {
        String metadataUrl = PostgresServer.shared().newDatabase();
        Map<String, String> shared = Map.of("LARCH_METADATA_URL", metadataUrl, "LARCH_CLUSTER_SECRET", SECRET,
                "LARCH_ARCHIVE_DIR", TestServer.sharedArchiveDir(metadataUrl));
        Map<String, String> nodeA = new java.util.HashMap<>(shared);
        nodeA.put("LARCH_NODE_ID", "1");
        Map<String, String> nodeB = new java.util.HashMap<>(shared);
        nodeB.put("LARCH_NODE_ID", "2");
        try (TestServer a = TestServer.start(dir.resolve("a"), nodeA, Clock.systemUTC())) {
            String ingestKey = LiveTailApiTest.project(a.http(), "shop");
            String readKey = LiveTailApiTest.key(a.http(), "shop", "\"read\"");
            ChildLarch b = ChildLarch.start(dir.resolve("b"), nodeB);
            try (SseClient onA = LiveTailApiTest.stream(a.http(), "/api/log/stream?project=shop", readKey, null)) {
                onA.next("live", WAIT);
                List<String> acknowledgedByB = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    LiveTailApiTest.ingest(b.http(), ingestKey, "{\"message\":\"from b " + i + "\"}");
                    acknowledgedByB.add("from b " + i);
                }
                List<SseClient.Frame> before = onA.logEvents(5, WAIT);
                assertEquals(acknowledgedByB, messages(before), "node B's events reach node A's stream");
                String resumeFrom = before.get(1).id();

                b.kill();
                long killed = System.nanoTime();
                LiveTailApiTest.ingest(a.http(), ingestKey, "{\"message\":\"from a while b is dead\"}");
                List<SseClient.Frame> held = onA.logEvents(1, WAIT);
                long heldMillis = (System.nanoTime() - killed) / 1_000_000;
                assertEquals(List.of("from a while b is dead"), messages(held));
                assertTrue(heldMillis > 3000 && heldMillis < 20_000,
                        "held until node B's heartbeat went stale (10 s after its last): " + heldMillis + " ms");

                b = ChildLarch.start(dir.resolve("b"), nodeB);
                LiveTailApiTest.ingest(b.http(), ingestKey, "{\"message\":\"from b restarted\"}");
                assertEquals(List.of("from b restarted"), messages(onA.logEvents(1, WAIT)));
                // Resumed from before the kill on node A: B's events come from B's WAL, replayed at its restart.
                try (SseClient resumed = LiveTailApiTest.stream(a.http(), "/api/log/stream?project=shop", readKey,
                        resumeFrom)) {
                    assertEquals(List.of("from b 2", "from b 3", "from b 4", "from a while b is dead", "from b restarted"),
                            messages(resumed.logEvents(5, WAIT)));
                }
            } finally {
                b.close();
            }
        }
    }

    private static List<String> messages(List<SseClient.Frame> frames) throws Exception {
        List<String> messages = new ArrayList<>();
        for (SseClient.Frame frame : frames) {
            messages.add(JSON.readTree(frame.data()).get("message").asText());
        }
        return messages;
    }
}
