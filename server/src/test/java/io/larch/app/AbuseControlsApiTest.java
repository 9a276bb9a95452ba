package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.config.ConfigException;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redaction, rate limits, debounce, trusted proxies, CORS, response headers and slow clients,
 * each through a real server on an injected clock.
 */
class AbuseControlsApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;

    private static HttpJson.Response put(HttpJson http, String path, String body) {
        return http.send(HttpRequest.newBuilder(http.uri(path)).PUT(HttpRequest.BodyPublishers.ofString(body)), ADMIN);
    }

    private static List<String> messages(HttpJson http, String key, String query) {
        HttpJson.Response page = http.get("/api/log?limit=1000" + query, key);
        assertEquals(200, page.status(), page.body());
        List<String> messages = new ArrayList<>();
        page.json().get("events").forEach(e -> messages.add(e.get("message").asText() + attrs(e)));
        return messages;
    }

    private static String attrs(JsonNode event) {
        JsonNode attrs = event.get("attrs");
        return attrs == null || attrs.isEmpty() ? "" : " " + attrs;
    }

    @Test
    void secretsAreRedactedBeforeTheyAreStoredUnlessTheProjectTurnsItOff(@TempDir Path dataDir) {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String key = http.post("/admin/projects", ADMIN, "{\"name\":\"Shop\",\"slug\":\"shop\"}").json().get("key").asText();
            String batch = "{\"events\":[{\"message\":\"login with password=hunter2 ok\"},"
                    + "{\"message\":\"call\",\"attrs\":{\"apiKey\":\"abc123\",\"url\":\"https://bob:s3cret@db.example.com/x\"}},"
                    + "{\"message\":\"boom\",\"stack\":\"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXBhcnQ\"}]}";
            assertEquals(202, http.post("/api/log", key, batch).status());
            List<String> stored = messages(http, key, "");
            assertTrue(stored.contains("login with password=[REDACTED:secret_pair] ok"), stored.toString());
            assertTrue(stored.contains("call {\"apiKey\":\"[REDACTED:secret_pair]\",\"url\":\"https://bob:[REDACTED:url_password]@db.example.com/x\"}"),
                    stored.toString());
            JsonNode boom = http.get("/api/log?q=boom", key).json().get("events").get(0);
            assertFalse(boom.get("stack").asText().contains("eyJ"), boom.toString());
            assertTrue(http.get("/api/log?q=hunter2", key).json().get("events").isEmpty(), "the secret is not searchable");
            assertTrue(http.metric("larch_redactions_total{kind=\"secret_pair\"}") >= 2, "counted per kind");

            assertEquals(200, put(http, "/admin/projects/shop/settings", "{\"redaction\":\"off\"}").status());
            assertEquals(202, http.post("/api/log", key, "{\"message\":\"debug password=letmein\"}").status());
            assertTrue(messages(http, key, "").contains("debug password=letmein"), "stored as sent with redaction off");

            HttpJson.Response bad = put(http, "/admin/projects/shop/settings", "{\"redactionPatterns\":[\"(a+)+$\"]}");
            assertEquals(400, bad.status(), bad.body());
            assertEquals(200, put(http, "/admin/projects/shop/settings",
                    "{\"redaction\":\"on\",\"redactionPatterns\":[\"ORD-[0-9]{6}\"]}").status());
            assertEquals(202, http.post("/api/log", key, "{\"message\":\"refund ORD-123456 done\"}").status());
            assertTrue(messages(http, key, "").contains("refund [REDACTED:custom] done"), messages(http, key, "").toString());
            JsonNode shown = http.get("/admin/projects/shop/settings", ADMIN).json();
            assertEquals("on", shown.get("redaction").asText());
            assertEquals("[\"ORD-[0-9]{6}\"]", shown.get("redactionPatterns").toString());
        }
    }

    @Test
    void redactionOffForTheServerStoresSecretsAsSent(@TempDir Path dataDir) {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_REDACTION", "off"), java.time.Clock.systemUTC())) {
            String key = server.createProject("Shop");
            assertEquals(202, server.http().post("/api/log", key, "{\"message\":\"token=abc123def\"}").status());
            assertEquals(List.of("token=abc123def"), messages(server.http(), key, ""));
        }
    }

    @Test
    void aProjectOverItsEventLimitGets429WithRetryAfterAndTheLimitsName(@TempDir Path dataDir) {
        MutableClock clock = MutableClock.at("2026-12-02T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_RATE_PROJECT_EVENTS_PER_MIN", "100"), clock)) {
            HttpJson http = server.http();
            String key = server.createProject("Shop");
            String other = server.createProject("Other");
            String sixty = batch(60, "app", null);
            assertEquals(202, http.post("/api/log", key, sixty).status());
            HttpJson.Response refused = http.post("/api/log", key, sixty);
            assertEquals(429, refused.status(), refused.body());
            JsonNode body = refused.json();
            assertEquals("project_events_per_minute", body.get("limit").asText());
            assertEquals(100, body.get("limitPerMinute").asInt());
            int retryAfter = Integer.parseInt(refused.header("Retry-After"));
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
            assertEquals(retryAfter, body.get("retryAfterSeconds").asInt());
            assertEquals(202, http.post("/api/log", other, sixty).status(), "another project has its own bucket");
            assertEquals(60, messages(http, key, "").size(), "the refused batch stored nothing");
            clock.advance(Duration.ofSeconds(retryAfter));
            assertEquals(202, http.post("/api/log", key, sixty).status(), "after Retry-After the batch fits");

            HttpJson.Response tooBig = http.post("/api/log", key, batch(101, "app", null));
            assertEquals(429, tooBig.status());
            assertTrue(tooBig.json().get("error").asText().contains("split the batch"), tooBig.body());

            assertEquals(200, put(http, "/admin/projects/shop/settings", "{\"limits\":{\"eventsPerMinute\":0}}").status());
            for (int i = 0; i < 5; i++) {
                assertEquals(202, http.post("/api/log", key, batch(100, "app", null)).status(), "0 lifts the project's limit");
            }
            assertEquals(200, put(http, "/admin/projects/shop/settings", "{\"limits\":{\"eventsPerMinute\":-1}}").status());
            String projectAdmin = http.post("/admin/projects/shop/keys", ADMIN, "{\"scopes\":[\"admin\"]}").json().get("key").asText();
            for (String lift : List.of("{\"limits\":{\"eventsPerMinute\":0}}", "{\"limits\":{\"eventsPerMinute\":101}}")) {
                HttpJson.Response byKey = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/shop/settings"))
                        .PUT(HttpRequest.BodyPublishers.ofString(lift)), projectAdmin);
                assertEquals(403, byKey.status(), "a project's own key cannot lift its limit: " + byKey.body());
            }
            HttpJson.Response lower = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/shop/settings"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"limits\":{\"eventsPerMinute\":50}}")), projectAdmin);
            assertEquals(200, lower.status(), "but it can lower it: " + lower.body());
            assertEquals(200, put(http, "/admin/projects/shop/settings", "{\"limits\":{\"eventsPerMinute\":-1}}").status());
            assertEquals(429, http.post("/api/log", key, batch(100, "app", null)).status(), "-1 returns to the server's");
        }
    }

    @Test
    void workLogsAreLimitedPerUserAndIdenticalRepeatsDebounced(@TempDir Path dataDir) {
        MutableClock clock = MutableClock.at("2026-12-02T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of(), clock)) {
            HttpJson http = server.http();
            String key = server.createProject("Shop");
            HttpJson.Response first = http.post("/api/log", key, "{\"events\":[" + workLog("u1", "thinking") + ","
                    + workLog("u1", "thinking") + "," + workLog("u1", "done") + "]}");
            assertEquals(202, first.status(), first.body());
            assertEquals(2, first.json().get("accepted").asInt());
            assertEquals(1, first.json().get("debounced").asInt());
            assertTrue(first.json().get("ids").get(1).isNull(), "the repeat has no id: " + first.body());
            clock.advance(Duration.ofMillis(999));
            assertEquals(1, http.post("/api/log", key, workLog("u1", "thinking")).json().get("debounced").asInt());
            clock.advance(Duration.ofMillis(1));
            assertEquals(0, http.post("/api/log", key, workLog("u1", "thinking")).json().get("debounced").asInt(),
                    "a second later it shows again");

            clock.advance(Duration.ofMinutes(1));
            HttpJson.Response sixty = http.post("/api/log", key, batch(60, "work", "u2"));
            assertEquals(202, sixty.status(), sixty.body());
            HttpJson.Response sixtyFirst = http.post("/api/log", key, workLog("u2", "one more"));
            assertEquals(429, sixtyFirst.status(), sixtyFirst.body());
            assertEquals("work_log_per_user_per_minute", sixtyFirst.json().get("limit").asText());
            assertEquals(202, http.post("/api/log", key, batch(1, "work", "u3")).status(), "another user is not held back");
            assertEquals(202, http.post("/api/log", key, batch(5, "app", "u2")).status(), "app events are not work logs");
        }
    }

    @Test
    void aFloodFromOneAddressIsRefusedBeforeItsCredentialIsLookedAt(@TempDir Path dataDir) {
        MutableClock clock = MutableClock.at("2026-12-02T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_RATE_IP_REQUESTS_PER_MIN", "20"), clock)) {
            HttpJson http = server.http();
            int refused = 0;
            for (int i = 0; i < 25; i++) {
                HttpJson.Response guess = http.get("/api/log", "larch_" + "g".repeat(42) + (char) ('a' + i % 26));
                refused += guess.status() == 429 ? 1 : 0;
                assertTrue(guess.status() == 401 || guess.status() == 429, guess.body());
            }
            assertTrue(refused >= 4, "refused " + refused);
            assertEquals(200, http.get("/healthz", null).status(), "probes are never limited");
        }
    }

    @Test
    void theClientAddressComesFromXForwardedForOnlyThroughATrustedProxy(@TempDir Path dataDir) {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_TRUSTED_PROXIES", "127.0.0.0/8"),
                java.time.Clock.systemUTC())) {
            HttpJson http = server.http();
            http.send(HttpRequest.newBuilder(http.uri("/admin/projects")).header("X-Forwarded-For", "203.0.113.9, 127.0.0.2")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Proxied\"}")), ADMIN);
            JsonNode entry = http.get("/admin/audit?limit=1", ADMIN).json().get("entries").get(0);
            assertEquals("203.0.113.9", entry.get("clientIp").asText());
        }
        try (TestServer server = TestServer.start(dataDir.resolve("untrusted"))) {
            HttpJson http = server.http();
            http.send(HttpRequest.newBuilder(http.uri("/admin/projects")).header("X-Forwarded-For", "203.0.113.9")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Direct\"}")), ADMIN);
            JsonNode entry = http.get("/admin/audit?limit=1", ADMIN).json().get("entries").get(0);
            assertEquals("127.0.0.1", entry.get("clientIp").asText(), "without a trusted proxy the header is ignored");
        }
    }

    @Test
    void corsAnswersOnlyTheConfiguredOrigins(@TempDir Path dataDir) {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_CORS_ORIGINS", "https://app.example.com"),
                java.time.Clock.systemUTC())) {
            HttpJson http = server.http();
            HttpJson.Response preflight = http.send(HttpRequest.newBuilder(http.uri("/api/work-log/list"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://app.example.com")
                    .header("Access-Control-Request-Method", "GET"), null);
            assertEquals(204, preflight.status(), preflight.body());
            assertEquals("https://app.example.com", preflight.header("Access-Control-Allow-Origin"));
            assertTrue(preflight.header("Access-Control-Allow-Headers").contains("Authorization"));
            HttpJson.Response foreign = http.send(HttpRequest.newBuilder(http.uri("/api/work-log/list"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://evil.example")
                    .header("Access-Control-Request-Method", "GET"), null);
            assertNull(foreign.header("Access-Control-Allow-Origin"), "no CORS headers for other origins");
            HttpJson.Response get = http.send(HttpRequest.newBuilder(http.uri("/healthz")).header("Origin", "https://app.example.com"), null);
            assertEquals("https://app.example.com", get.header("Access-Control-Allow-Origin"));
            assertEquals("Origin", get.header("Vary"));
        }
    }

    @Test
    void aWildcardOriginIsRefusedAtStartWithTheSettingsName(@TempDir Path dataDir) {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> TestServer.start(dataDir, Map.of("LARCH_CORS_ORIGINS", "*"), java.time.Clock.systemUTC()));
        assertTrue(e.getMessage().contains("LARCH_CORS_ORIGINS: '*' is not an origin"), e.getMessage());
        ConfigException proxies = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> TestServer.start(dataDir, Map.of("LARCH_TRUSTED_PROXIES", "10.0.0.0/33"), java.time.Clock.systemUTC()));
        assertTrue(proxies.getMessage().contains("LARCH_TRUSTED_PROXIES: '10.0.0.0/33' has a bad prefix length"),
                proxies.getMessage());
    }

    @Test
    void everyResponseCarriesTheSecurityHeadersAndConfigHidesSecrets(@TempDir Path dataDir) {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            for (HttpJson.Response response : List.of(http.get("/healthz", null), http.get("/api/log", null),
                    http.get("/nowhere", null), http.get("/config", ADMIN))) {
                assertEquals("nosniff", response.header("X-Content-Type-Options"), response.body());
                assertEquals("DENY", response.header("X-Frame-Options"));
                assertTrue(response.header("Content-Security-Policy").contains("frame-ancestors 'none'"));
            }
            JsonNode config = http.get("/config", ADMIN).json();
            assertEquals("(set)", config.get("LARCH_ADMIN_TOKEN").asText());
            assertFalse(config.toString().contains(ADMIN));
        }
    }

    @Test
    void aClientThatStallsMidRequestIsDisconnected(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_HTTP_IDLE_TIMEOUT", "1s"), java.time.Clock.systemUTC());
             Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", server.larch().port()), 2_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("POST /api/log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // Whatever the server says before it closes.
            }
            long seconds = (System.nanoTime() - start) / 1_000_000_000;
            assertTrue(seconds < 8, "closed after " + seconds + " s");
            assertEquals(200, server.http().get("/healthz", null).status());
        }
    }

    private static String batch(int events, String kind, String user) {
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int i = 0; i < events; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"message\":\"event ").append(i).append("\",\"kind\":\"").append(kind)
                    .append('"').append(user == null ? "" : ",\"userId\":\"" + user + "\"").append('}');
        }
        return batch.append("]}").toString();
    }

    private static String workLog(String user, String message) {
        return "{\"kind\":\"work\",\"userId\":\"" + user + "\",\"status\":\"working\",\"message\":\"" + message + "\"}";
    }
}
