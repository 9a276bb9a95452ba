package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Histogram, top and stats over HTTP, with events split between parts and the head so merging is exercised. */
class AnalyticsApiTest {
    private static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");

    @TempDir
    Path dataDir;

    private static String event(int second, String source, String level, String userId) {
        return "{\"ts\":\"" + T0.plusSeconds(second) + "\",\"message\":\"" + source + " event at " + second
                + "\",\"source\":\"" + source + "\",\"level\":\"" + level + "\",\"userId\":\"" + userId + "\"}";
    }

    private static void ingest(TestServer server, String key, List<String> events) {
        HttpJson.Response response = server.http().post("/api/log", key, "[" + String.join(",", events) + "]");
        assertEquals(202, response.status(), response.body());
    }

    private static JsonNode get(TestServer server, String key, String path, Map<String, String> params) {
        HttpJson.Response response = server.http().get(path, key, params);
        assertEquals(200, response.status(), response.body());
        return response.json();
    }

    private static String loadSplitData(TestServer server) {
        String key = server.createProject("Shop");
        List<String> sealed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sealed.add(event(i, "alpha", "info", "u1"));
        }
        for (int i = 0; i < 4; i++) {
            sealed.add(event(60 + i, "beta", "error", "u2"));
        }
        sealed.add(event(70, "gamma", "warn", "u1"));
        ingest(server, key, sealed);
        server.sealNow();
        List<String> head = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            head.add(event(125 + i, "gamma", i < 2 ? "fatal" : "info", "u3"));
        }
        ingest(server, key, head);
        return key;
    }

    @Test
    void topIsExactAcrossPartsAndHead() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = loadSplitData(server);
            JsonNode top = get(server, key, "/api/log/top", Map.of("field", "source", "limit", "2"));
            assertEquals("source", top.get("field").asText());
            assertEquals(2, top.get("values").size());
            JsonNode first = top.get("values").get(0);
            assertEquals("gamma", first.get("value").asText());
            assertEquals(6, first.get("count").asInt());
            assertEquals(T0.plusSeconds(70).toString(), first.get("firstSeen").asText());
            assertEquals(T0.plusSeconds(129).toString(), first.get("lastSeen").asText());
            assertEquals("gamma event at 129", first.get("sample").asText());
            assertEquals("alpha", top.get("values").get(1).get("value").asText());
            assertEquals(5, top.get("values").get(1).get("count").asInt());

            JsonNode users = get(server, key, "/api/log/top", Map.of("field", "user", "q", "level>=warn"));
            assertEquals(List.of("u2=4", "u3=2", "u1=1"), pairs(users));
            JsonNode fingerprints = get(server, key, "/api/log/top", Map.of());
            assertEquals("fingerprint", fingerprints.get("field").asText());
            assertEquals(3, fingerprints.get("values").size(), "one template per source: 'X event at <num>'");
        }
    }

    private static List<String> pairs(JsonNode top) {
        List<String> pairs = new ArrayList<>();
        top.get("values").forEach(v -> pairs.add(v.get("value").asText() + "=" + v.get("count").asInt()));
        return pairs;
    }

    @Test
    void histogramCountsPerBucketAndLevel() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = loadSplitData(server);
            JsonNode histogram = get(server, key, "/api/log/histogram", Map.of("interval", "1m",
                    "from", T0.toString(), "to", T0.plusSeconds(240).toString()));
            assertEquals(60_000, histogram.get("intervalMs").asInt());
            JsonNode buckets = histogram.get("buckets");
            assertEquals(4, buckets.size());
            assertEquals(T0.toString(), buckets.get(0).get("ts").asText());
            assertEquals(5, buckets.get(0).get("count").asInt());
            assertEquals(5, buckets.get(0).get("levels").get("info").asInt());
            assertEquals(5, buckets.get(1).get("count").asInt());
            assertEquals(4, buckets.get(1).get("levels").get("error").asInt());
            assertEquals(1, buckets.get(1).get("levels").get("warn").asInt());
            assertEquals(5, buckets.get(2).get("count").asInt());
            assertEquals(2, buckets.get(2).get("levels").get("fatal").asInt());
            assertEquals(0, buckets.get(3).get("count").asInt());
            JsonNode errorsOnly = get(server, key, "/api/log/histogram", Map.of("interval", "1m", "level", ">=error"));
            assertEquals(List.of(4, 2), counts(errorsOnly), "without from/to the span of the matches is used");
        }
    }

    private static List<Integer> counts(JsonNode histogram) {
        List<Integer> counts = new ArrayList<>();
        histogram.get("buckets").forEach(b -> counts.add(b.get("count").asInt()));
        return counts;
    }

    @Test
    void statsTotalsAndErrorRate() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = loadSplitData(server);
            JsonNode stats = get(server, key, "/api/log/stats", Map.of());
            assertEquals(15, stats.get("total").asInt());
            assertEquals(8, stats.get("byLevel").get("info").asInt());
            assertEquals(4, stats.get("byLevel").get("error").asInt());
            assertEquals(2, stats.get("byLevel").get("fatal").asInt());
            assertEquals(0, stats.get("byLevel").get("debug").asInt());
            assertEquals(15, stats.get("byKind").get("app").asInt());
            assertEquals(6.0 / 15, stats.get("errorRate").asDouble(), 1e-9);
            assertEquals(5, get(server, key, "/api/log/stats", Map.of("q", "source:alpha")).get("total").asInt());
        }
    }

    @Test
    void storageReportsPartsEventsBytesAndTheHead() {
        try (TestServer server = TestServer.start(dataDir)) {
            loadSplitData(server);
            JsonNode shop = get(server, TestServer.ADMIN_TOKEN, "/admin/storage", Map.of()).get("projects").get(0);
            assertEquals("shop", shop.get("project").asText());
            assertEquals(1, shop.get("parts").asInt());
            assertEquals(10, shop.get("events").asInt());
            assertEquals(5, shop.get("headEvents").asInt());
            assertEquals(true, shop.get("bytes").asLong() > 0);
            assertEquals(403, server.http().get("/admin/storage", server.createProject("Other")).status());
        }
    }

    @Test
    void badAggregationParametersAre400s() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            HttpJson http = server.http();
            assertEquals("{\"error\":\"field: cannot group by 'color'; use fingerprint, source, user, conversation, build, deployment, trace, status, level, kind or attrs.<key>\"}",
                    http.get("/api/log/top", key, Map.of("field", "color")).body());
            assertEquals("{\"error\":\"interval: expected a duration like 30s, 1m, 5m, 1h or 1d, got 'often'\"}",
                    http.get("/api/log/histogram", key, Map.of("interval", "often")).body());
            assertEquals("{\"error\":\"interval: 1000 ms makes more than 10000 buckets over this range; choose a larger interval or a shorter range\"}",
                    http.get("/api/log/histogram", key, Map.of("interval", "1s", "from", "-7d")).body());
            assertEquals(400, http.get("/api/log/top", key, Map.of("limit", "0")).status());
            assertEquals(400, http.get("/api/log/stats", key, Map.of("q", "(")).status());
            assertEquals(401, http.get("/api/log/stats", null).status());
        }
    }
}
