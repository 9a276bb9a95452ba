package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.larch.testing.HttpJson;
import io.larch.testing.PostgresServer;
import io.larch.testing.TestServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two whole Larch servers in one JVM on one PostgreSQL (each its own data dir and node id): a
 * project's events limit holds for both together, and errors split between them (neither
 * reaching the threshold alone) send one alert. The wiring only: the lead's two-node test covers
 * the rest (S3, tail, SIGKILL).
 */
class SharedAcrossNodesApiTest {
    @TempDir
    Path dir;

    @Test
    void aLimitAndAnAlertHoldForTwoNodesOnOnePostgres() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        Map<String, String> settings = new HashMap<>(Map.of("LARCH_METADATA_URL", PostgresServer.shared().newDatabase(),
                "LARCH_RATE_PROJECT_EVENTS_PER_MIN", "10", "LARCH_ALERT_PRIVATE_TARGETS", "on"));
        settings.put("LARCH_NODE_ID", "1");
        try (TestServer one = TestServer.startOnPostgres(dir.resolve("one"), settings, Clock.systemUTC())) {
            String key = one.createProject("Shop");
            HttpJson.Response rule = one.http().post("/admin/alerts?project=shop", TestServer.ADMIN_TOKEN,
                    "{\"name\":\"checkout errors\",\"kind\":\"spike\",\"threshold\":5,\"channels\":[{\"type\":\"webhook\","
                            + "\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\"}]}");
            assertEquals(201, rule.status(), rule.body());
            settings.put("LARCH_NODE_ID", "2");
            try (TestServer two = TestServer.startOnPostgres(dir.resolve("two"), settings, Clock.systemUTC())) {
                assertEquals(202, errors(one, key, 3).status());
                assertEquals(202, errors(two, key, 2).status());
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (received.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(1_500);
                assertEquals(1, received.size(), "3 errors on one node and 2 on the other: one alert, " + received);
                assertTrue(received.getFirst().contains("\"count\":5"), received.getFirst());

                assertEquals(202, errors(two, key, 5).status(), "10 events a minute over both nodes");
                HttpJson.Response refused = errors(one, key, 1);
                assertEquals(429, refused.status(), "the eleventh, on either node: " + refused.body());
                assertEquals(429, errors(two, key, 1).status());
            }
        } finally {
            receiver.stop(0);
        }
    }

    private static HttpJson.Response errors(TestServer node, String key, int n) {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < n; i++) {
            batch.append("{\"level\":\"error\",\"source\":\"checkout\",\"message\":\"payment declined\"}\n");
        }
        return node.http().post("/api/log", key, "application/x-ndjson", batch.toString().getBytes(StandardCharsets.UTF_8));
    }
}
