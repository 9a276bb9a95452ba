package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.larch.testing.HttpJson;
import io.larch.testing.PostgresServer;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vercel pull mode against a local server speaking the shape of {@code GET /v3/deployments/{id}/events}
 * (Bearer token, {@code follow}, {@code since}; NDJSON items {@code {"type","created","payload":{...}}}),
 * with Larch stopped and started in the middle: every event stored once, none lost.
 */
class VercelPullApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private static final String TOKEN = "vercel-token-abc123";
    private static final String DEPLOYMENT = "dpl_233NRGRjVZX1caZrXWtz5g1TAksD";
    private static final long T0 = System.currentTimeMillis() - 60_000;

    /** The deployment's events as the fake API holds them, in time order. */
    private final List<String> events = new CopyOnWriteArrayList<>();
    /** Each request's query parameters, in order. */
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private HttpServer vercel;
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (vercel != null) {
            vercel.stop(0);
        }
    }

    private void startVercel() throws IOException {
        vercel = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        vercel.createContext("/v3/deployments/", this::deploymentEvents);
        vercel.start();
    }

    /** Answers like Vercel: 401 for another token, 404 for another deployment, else the events since {@code since}. */
    private void deploymentEvents(HttpExchange exchange) throws IOException {
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        requests.add(query);
        String path = exchange.getRequestURI().getPath();
        if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            respond(exchange, 401, "{\"error\":{\"code\":\"forbidden\",\"message\":\"Not authorized\"}}");
            return;
        }
        if (!path.equals("/v3/deployments/" + DEPLOYMENT + "/events")) {
            respond(exchange, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"Deployment not found\"}}");
            return;
        }
        long since = query.containsKey("since") ? Long.parseLong(query.get("since")) : 0;
        exchange.getResponseHeaders().set("Content-Type", "application/stream+json");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            for (String event : events) {
                JsonNode item = new com.fasterxml.jackson.databind.ObjectMapper().readTree(event);
                if (item.get("created").asLong() >= since) {
                    out.write((event + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    /** One build log line as Vercel's events endpoint sends it. */
    private void addEvent(String id, long ts, String type, String text) {
        events.add("{\"type\":\"" + type + "\",\"created\":" + ts + ",\"payload\":{\"id\":\"" + id + "\",\"date\":" + ts
                + ",\"text\":\"" + text + "\",\"serial\":\"" + ts + "-" + id + "\",\"deploymentId\":\"" + DEPLOYMENT
                + "\",\"info\":{\"type\":\"build\",\"name\":\"bld_cotnkcr76\",\"entrypoint\":\".\"}}}");
    }

    private List<String> messages(String key) {
        return messages(server, key);
    }

    private static List<String> messages(TestServer server, String key) {
        HttpJson.Response found = server.http().get("/api/log", key, Map.of("q", "pullline", "limit", "1000"));
        assertEquals(200, found.status(), found.body());
        List<String> messages = new ArrayList<>();
        found.json().get("events").forEach(e -> messages.add(e.get("message").asText()));
        Collections.sort(messages);
        return messages;
    }

    @Test
    void followsADeploymentAndResumesAfterARestartWithNoEventTwiceAndNoneLost(@TempDir Path dataDir) throws Exception {
        startVercel();
        addEvent("e1", T0, "command", "pullline 1 Running build");
        addEvent("e2", T0 + 1, "stdout", "pullline 2 Installing dependencies");
        addEvent("e3", T0 + 2, "stdout", "pullline 3 same millisecond");
        addEvent("e4", T0 + 2, "stdout", "pullline 4 same millisecond");
        addEvent("s1", T0 + 2, "delimiter", "");
        Map<String, String> settings = Map.of("LARCH_VERCEL_API_URL", "http://127.0.0.1:" + vercel.getAddress().getPort());
        server = TestServer.start(dataDir, settings, Clock.systemUTC());
        String key = server.createProject("Web");

        HttpJson.Response followed = server.http().post("/admin/projects/web/vercel/follow", ADMIN,
                "{\"deploymentId\":\"" + DEPLOYMENT + "\",\"token\":\"" + TOKEN + "\"}");
        assertEquals(201, followed.status(), followed.body());
        assertEquals("(set)", followed.json().get("token").asText(), "the token is never shown");
        waitFor(() -> messages(key).size() == 4);

        server.stop();
        // While Larch is down: one more event in the same millisecond as the last stored, and later ones.
        addEvent("e5", T0 + 2, "stdout", "pullline 5 same millisecond after the restart");
        addEvent("e6", T0 + 3, "stdout", "pullline 6 Build completed");
        addEvent("e7", T0 + 4, "stderr", "pullline 7 warning from stderr");
        int requestsBefore = requests.size();
        server.start();
        waitFor(() -> messages(key).size() >= 7);
        Thread.sleep(300);
        assertEquals(List.of("pullline 1 Running build", "pullline 2 Installing dependencies", "pullline 3 same millisecond",
                "pullline 4 same millisecond", "pullline 5 same millisecond after the restart", "pullline 6 Build completed",
                "pullline 7 warning from stderr"), messages(key));
        Map<String, String> resumed = requests.get(requestsBefore);
        assertEquals(Long.toString(T0 + 2), resumed.get("since"), "resumed from the last event stored: " + resumed);
        assertEquals("1", resumed.get("follow"));

        HttpJson.Response line = server.http().get("/api/log", key, Map.of("q", "pullline 7"));
        JsonNode event = line.json().get("events").get(0);
        assertEquals("build", event.get("kind").asText());
        assertEquals("bld_cotnkcr76", event.get("buildId").asText());
        assertEquals(DEPLOYMENT, event.get("deploymentId").asText());
        assertEquals("error", event.get("level").asText());
        assertEquals("stderr", event.get("attrs").get("vercelType").asText());
        assertEquals("e7", event.get("attrs").get("vercelId").asText());
        assertEquals(T0 + 4, java.time.Instant.parse(event.get("ts").asText()).toEpochMilli());

        JsonNode list = server.http().get("/admin/projects/web/vercel/follow", ADMIN).json().get("follows");
        assertEquals(1, list.size(), list.toString());
        assertEquals(7, list.get(0).get("eventsStored").asInt(), list.toString());
        assertEquals("following", list.get(0).get("status").asText());

        assertEquals(204, server.http().send(HttpRequest.newBuilder(server.http().uri("/admin/projects/web/vercel/follow/"
                + DEPLOYMENT)).DELETE(), ADMIN).status());
        assertEquals(0, server.http().get("/admin/projects/web/vercel/follow", ADMIN).json().get("follows").size());
        assertEquals(404, server.http().send(HttpRequest.newBuilder(server.http().uri("/admin/projects/web/vercel/follow/"
                + DEPLOYMENT)).DELETE(), ADMIN).status());
    }

    /** [several nodes] One node follows (whichever took it on), another takes over when it stops: each event once. */
    @Test
    void twoNodesFollowADeploymentOnceAndTheOtherTakesOverWhenOneStops(@TempDir Path dir) throws Exception {
        startVercel();
        addEvent("e1", T0, "command", "pullline 1 Running build");
        addEvent("e2", T0 + 1, "stdout", "pullline 2 Installing dependencies");
        String metadataUrl = PostgresServer.shared().newDatabase();
        Map<String, String> shared = Map.of("LARCH_VERCEL_API_URL", "http://127.0.0.1:" + vercel.getAddress().getPort(),
                "LARCH_METADATA_URL", metadataUrl, "LARCH_SHARED_SEAL_INTERVAL", "1s",
                "LARCH_SHARED_REFRESH_INTERVAL", "200ms");
        Map<String, String> one = new HashMap<>(shared);
        one.put("LARCH_NODE_ID", "1");
        Map<String, String> two = new HashMap<>(shared);
        two.put("LARCH_NODE_ID", "2");
        server = TestServer.startOnPostgres(dir.resolve("one"), one, Clock.systemUTC());
        try (TestServer other = TestServer.startOnPostgres(dir.resolve("two"), two, Clock.systemUTC())) {
            String key = server.createProject("Web");
            HttpJson.Response followed = other.http().post("/admin/projects/web/vercel/follow", ADMIN,
                    "{\"deploymentId\":\"" + DEPLOYMENT + "\",\"token\":\"" + TOKEN + "\"}");
            assertEquals(201, followed.status(), followed.body());
            waitFor(() -> messages(server, key).size() == 2 && messages(other, key).size() == 2);
            Thread.sleep(1_500);
            assertEquals(List.of("pullline 1 Running build", "pullline 2 Installing dependencies"), messages(other, key),
                    "followed by one node: each event once");
            // the node that follows stops: the other takes the lock over and resumes where it got to
            server.stop();
            addEvent("e3", T0 + 2, "stdout", "pullline 3 Build completed");
            waitFor(() -> messages(other, key).size() >= 3);
            Thread.sleep(1_500);
            assertEquals(List.of("pullline 1 Running build", "pullline 2 Installing dependencies",
                    "pullline 3 Build completed"), messages(other, key));
        }
    }

    @Test
    void aRefusedTokenOrAnUnknownDeploymentStopsWithItsStatusAndBadInputIs400(@TempDir Path dataDir) throws Exception {
        startVercel();
        server = TestServer.start(dataDir, Map.of("LARCH_VERCEL_API_URL", "http://127.0.0.1:" + vercel.getAddress().getPort()),
                Clock.systemUTC());
        server.createProject("Web");
        HttpJson http = server.http();
        assertEquals(201, http.post("/admin/projects/web/vercel/follow", ADMIN,
                "{\"deploymentId\":\"" + DEPLOYMENT + "\",\"token\":\"wrong-token\"}").status());
        assertEquals(201, http.post("/admin/projects/web/vercel/follow", ADMIN,
                "{\"deploymentId\":\"dpl_unknown\",\"token\":\"" + TOKEN + "\"}").status());
        waitFor(() -> {
            JsonNode list = http.get("/admin/projects/web/vercel/follow", ADMIN).json().get("follows");
            return list.size() == 2 && list.get(0).get("status").asText().equals("unauthorized")
                    && list.get(1).get("status").asText().equals("not_found");
        });
        HttpJson.Response noToken = http.post("/admin/projects/web/vercel/follow", ADMIN, "{\"deploymentId\":\"dpl_x\"}");
        assertEquals(400, noToken.status(), noToken.body());
        assertTrue(noToken.body().contains("token:"), noToken.body());
        HttpJson.Response badId = http.post("/admin/projects/web/vercel/follow", ADMIN,
                "{\"deploymentId\":\"../../etc\",\"token\":\"t\"}");
        assertEquals(400, badId.status(), badId.body());
        assertTrue(badId.body().contains("deploymentId:"), badId.body());
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        for (int attempt = 0; attempt < 200 && !condition.getAsBoolean(); attempt++) {
            Thread.sleep(50);
        }
        assertTrue(condition.getAsBoolean(), "condition not met in 10 s");
    }
}
