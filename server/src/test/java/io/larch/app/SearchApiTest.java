package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Search over HTTP against a real server: ordering across head and parts, cursors, restarts, filters, errors. */
class SearchApiTest {
    private static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");

    @TempDir
    Path dataDir;

    private static String event(int second, String message, String level, String kind) {
        return "{\"ts\":\"" + T0.plusSeconds(second) + "\",\"message\":\"" + message + "\",\"level\":\"" + level
                + "\",\"kind\":\"" + kind + "\"}";
    }

    private static void ingest(HttpJson http, String key, List<String> events) {
        for (int from = 0; from < events.size(); from += 50) {
            String batch = "[" + String.join(",", events.subList(from, Math.min(events.size(), from + 50))) + "]";
            HttpJson.Response response = http.post("/api/log", key, batch);
            assertEquals(202, response.status(), response.body());
        }
    }

    private static List<String> messages(JsonNode page) {
        List<String> messages = new ArrayList<>();
        page.get("events").forEach(e -> messages.add(e.get("message").asText()));
        return messages;
    }

    private static JsonNode search(HttpJson http, String key, Map<String, String> params) {
        HttpJson.Response response = http.get("/api/log", key, params);
        assertEquals(200, response.status(), response.body());
        return response.json();
    }

    /** Every page of a query, following cursors; fails if a page repeats an event. */
    private static List<String> allPages(HttpJson http, String key, String q, int limit) {
        List<String> all = new ArrayList<>();
        Map<String, String> params = new LinkedHashMap<>(Map.of("q", q, "limit", Integer.toString(limit)));
        while (true) {
            JsonNode page = search(http, key, params);
            all.addAll(messages(page));
            if (page.get("next").isNull()) {
                return all;
            }
            params.put("cursor", page.get("next").asText());
        }
    }

    @Test
    void aBatchMixingKindsIsFoundByEachKindBeforeAndAfterSealing() {
        // The batch is written whole under its first event's kind; the work log in it must still
        // be found by kind:work in the head (the live tail's differential test caught this).
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String key = server.createProject("mixed");
            ingest(http, key, List.of(event(1, "an app line", "info", "app"), event(2, "a work line", "info", "work"),
                    event(3, "a build line", "info", "build")));
            for (boolean sealed : new boolean[] {false, true}) {
                if (sealed) {
                    server.sealNow();
                }
                assertEquals(List.of("a work line"), messages(search(http, key, Map.of("kind", "work"))), "sealed " + sealed);
                assertEquals(List.of("a build line"), messages(search(http, key, Map.of("q", "kind:build"))), "sealed " + sealed);
                assertEquals(3, messages(search(http, key, Map.of())).size());
            }
        }
    }

    @Test
    void onePageAcrossHeadAndPartsIsOrderedAndCursorsWalkEverythingOnce() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            Random random = new Random(7);
            List<Integer> seconds = new ArrayList<>();
            for (int i = 0; i < 90; i++) {
                seconds.add(i);
            }
            Collections.shuffle(seconds, random);
            List<String> sealedFirst = new ArrayList<>();
            List<String> inHead = new ArrayList<>();
            for (int i = 0; i < 90; i++) {
                String event = event(seconds.get(i), "event " + seconds.get(i), "info", "app");
                (i < 60 ? sealedFirst : inHead).add(event);
            }
            ingest(server.http(), key, sealedFirst.subList(0, 30));
            server.sealNow();
            ingest(server.http(), key, sealedFirst.subList(30, 60));
            server.sealNow();
            ingest(server.http(), key, inHead);
            // Two equal timestamps: the later id comes first.
            ingest(server.http(), key, List.of(event(45, "twin a", "info", "app")));
            ingest(server.http(), key, List.of(event(45, "twin b", "info", "app")));

            List<String> expected = new ArrayList<>();
            for (int second = 89; second >= 0; second--) {
                if (second == 45) {
                    expected.add("twin b");
                    expected.add("twin a");
                }
                expected.add("event " + second);
            }
            assertEquals(expected, messages(search(server.http(), key, Map.of("limit", "1000"))));
            for (int limit : List.of(1, 7, 30, 100)) {
                List<String> walked = allPages(server.http(), key, "", limit);
                assertEquals(expected, walked, "walking pages of " + limit);
                assertEquals(walked.size(), new HashSet<>(walked).size());
            }
        }
    }

    @Test
    void eventsSurviveARestartBeforeAndAfterSealing() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            ingest(server.http(), key, List.of(event(1, "sealed one", "info", "app"), event(2, "sealed two", "error", "build")));
            server.sealNow();
            ingest(server.http(), key, List.of(event(3, "head three", "warn", "app"), event(4, "head four", "info", "work")));
            List<String> expected = List.of("head four", "head three", "sealed two", "sealed one");
            assertEquals(expected, messages(search(server.http(), key, Map.of())));

            server.restart();
            assertEquals(expected, messages(search(server.http(), key, Map.of())), "after a restart with events in the head");
            server.sealNow();
            server.restart();
            assertEquals(expected, messages(search(server.http(), key, Map.of())), "after sealing everything and a restart");
            ingest(server.http(), key, List.of(event(5, "after restart", "info", "app")));
            assertEquals("after restart", messages(search(server.http(), key, Map.of("limit", "1"))).getFirst());
        }
    }

    @Test
    void filtersByQueryKindLevelAndTime() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            ingest(server.http(), key, List.of(
                    event(10, "payment timeout for order 1", "error", "app"),
                    event(20, "payment ok for order 2", "info", "app"),
                    event(30, "build step timeout", "warn", "build"),
                    event(40, "agent searched the web", "info", "work")));
            server.sealNow();
            ingest(server.http(), key, List.of(event(50, "payment timeout for order 3", "fatal", "app")));
            HttpJson http = server.http();
            assertEquals(List.of("payment timeout for order 3", "build step timeout", "payment timeout for order 1"),
                    messages(search(http, key, Map.of("q", "timeout"))));
            assertEquals(List.of("payment timeout for order 3", "payment timeout for order 1"),
                    messages(search(http, key, Map.of("q", "timeout", "kind", "app"))));
            assertEquals(List.of("payment timeout for order 3", "build step timeout", "payment timeout for order 1"),
                    messages(search(http, key, Map.of("level", ">=warn"))));
            assertEquals(List.of("build step timeout"), messages(search(http, key, Map.of("level", "warn"))));
            assertEquals(List.of("agent searched the web", "build step timeout"), messages(search(http, key,
                    Map.of("from", T0.plusSeconds(30).toString(), "to", T0.plusSeconds(41).toString()))));
            assertEquals(List.of("payment ok for order 2"), messages(search(http, key, Map.of("q", "payment -timeout"))));
            assertEquals(List.of("payment timeout for order 3", "payment ok for order 2"),
                    messages(search(http, key, Map.of("q", "\"order 3\" OR (ok level:info)"))));
            assertEquals(List.of(), messages(search(http, key, Map.of("from", "-1h"))));
        }
    }

    @Test
    void aKeySeesOnlyItsOwnProject() {
        try (TestServer server = TestServer.start(dataDir)) {
            String shop = server.createProject("Shop");
            String blog = server.createProject("Blog");
            ingest(server.http(), shop, List.of(event(1, "shop secret", "info", "app")));
            server.sealNow();
            ingest(server.http(), shop, List.of(event(2, "shop head secret", "info", "app")));
            ingest(server.http(), blog, List.of(event(3, "blog post", "info", "app")));
            assertEquals(List.of("blog post"), messages(search(server.http(), blog, Map.of())));
            assertEquals(List.of(), messages(search(server.http(), blog, Map.of("q", "secret"))));
            assertEquals(403, server.http().get("/api/log?project=shop", blog).status());
            assertEquals(List.of("shop head secret", "shop secret"),
                    messages(search(server.http(), TestServer.ADMIN_TOKEN, Map.of("project", "shop"))));
            assertEquals(401, server.http().get("/api/log", null).status());
        }
    }

    @Test
    void badParametersAre400sThatSayWhatToDo() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            HttpJson http = server.http();
            check(http.get("/api/log", key, Map.of("q", "(timeout")), 400,
                    "{\"error\":\"bad query: missing ')' for the '(' at position 1 at position 9\",\"position\":9}");
            check(http.get("/api/log", key, Map.of("q", "level:loud")), 400,
                    "{\"error\":\"bad query: unknown level 'loud'; use one of trace, debug, info, warn, error, fatal at position 7\",\"position\":7}");
            check(http.get("/api/log", key, Map.of("limit", "5000")), 400, "{\"error\":\"limit: must be between 1 and 1000, got 5000\"}");
            check(http.get("/api/log", key, Map.of("limit", "ten")), 400,
                    "{\"error\":\"limit: must be a whole number from 1 to 1000, got 'ten'\"}");
            check(http.get("/api/log", key, Map.of("cursor", "bogus")), 400,
                    "{\"error\":\"cursor: not a cursor from this server; pass the 'next' value of the previous page unchanged\"}");
            check(http.get("/api/log", key, Map.of("from", "last tuesday")), 400,
                    "{\"error\":\"from: cannot read 'last tuesday' as a time; use ISO-8601 (2026-11-22T10:00:00Z), epoch milliseconds, now, or relative like -15m, -1h, -7d\"}");
            check(http.get("/api/log", key, Map.of("from", "-1h", "to", "-2h")), 400,
                    "{\"error\":\"from must be before to (from=-1h, to=-2h)\"}");
            check(http.get("/api/log", key, Map.of("kind", "job")), 400,
                    "{\"error\":\"kind: unknown kind 'job'; use one of app, work, build, deploy, system, action, lifecycle\"}");
            check(http.get("/api/log", key, Map.of("level", "loud")), 400,
                    "{\"error\":\"level: unknown level 'loud'; use one of trace, debug, info, warn, error, fatal, a comma list, or >=warn\"}");
            JsonNode empty = search(http, key, Map.of());
            assertTrue(empty.get("events").isEmpty());
            assertNull(empty.get("next").textValue());
        }
    }

    private static void check(HttpJson.Response response, int status, String body) {
        assertEquals(status, response.status(), response.body());
        assertEquals(body, response.body());
    }

    @Test
    void resultsCarryEveryField() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            ingest(server.http(), key, List.of("{\"ts\":\"" + T0 + "\",\"message\":\"m\",\"level\":\"error\",\"kind\":\"work\","
                    + "\"source\":\"api\",\"stack\":\"at a.b(C.java:1)\",\"userId\":\"u1\",\"conversationId\":\"c1\","
                    + "\"buildId\":\"b1\",\"deploymentId\":\"d1\",\"traceId\":\"t1\",\"status\":\"running\","
                    + "\"attrs\":{\"region\":\"eu\",\"n\":3}}"));
            Set<String> fromHead = fields(search(server.http(), key, Map.of()).get("events").get(0));
            server.sealNow();
            JsonNode sealed = search(server.http(), key, Map.of()).get("events").get(0);
            assertEquals(fromHead, fields(sealed));
            assertEquals("eu", sealed.get("attrs").get("region").asText());
            assertEquals("3", sealed.get("attrs").get("n").asText());
            assertEquals(T0.toString(), sealed.get("ts").asText());
            assertEquals("work", sealed.get("kind").asText());
            assertEquals("running", sealed.get("status").asText());
        }
    }

    private static Set<String> fields(JsonNode event) {
        Set<String> fields = new HashSet<>();
        event.fields().forEachRemaining(f -> fields.add(f.getKey() + "=" + f.getValue()));
        return fields;
    }

    /**
     * The work-log reads: the latest page for one user and conversation, then polling with
     * {@code after=<last id>} returns exactly what was stored since, oldest first, across the
     * head and sealed parts; {@code more} pages through a backlog; bad ids answer 400.
     */
    @Test
    void afterAnIdReturnsWhatWasStoredSinceInOrderAcrossHeadAndParts() {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String key = server.createProject("Agent");
            List<String> first = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String user = i % 3 == 0 ? "u1" : "u2";
                String conversation = i % 2 == 0 ? "c1" : "c2";
                first.add("{\"ts\":\"" + T0.plusSeconds(100 - i) + "\",\"message\":\"step " + i + "\",\"userId\":\""
                        + user + "\",\"conversationId\":\"" + conversation + "\",\"kind\":\"work\"}");
            }
            ingest(http, key, first);
            server.sealNow();
            JsonNode latest = search(http, key, Map.of("q", "user:u1 conversation:c1 kind:work", "limit", "50"));
            assertEquals(List.of("step 0", "step 6", "step 12", "step 18", "step 24"), messages(latest),
                    "newest first by event time");
            JsonNode all = search(http, key, Map.of("q", "user:u1", "after", "0000000000000", "limit", "1000"));
            assertEquals(List.of("step 0", "step 3", "step 6", "step 9", "step 12", "step 15", "step 18", "step 21",
                    "step 24", "step 27"), messages(all), "in the order they were stored, whatever their times");
            String last = all.get("last").asText();

            JsonNode none = search(http, key, Map.of("q", "user:u1", "after", last));
            assertEquals(List.of(), messages(none));
            assertEquals(last, none.get("last").asText(), "nothing new: poll again after the same id");

            List<String> later = new ArrayList<>();
            for (int i = 30; i < 40; i++) {
                later.add("{\"message\":\"step " + i + "\",\"userId\":\"u1\",\"conversationId\":\"c1\",\"kind\":\"work\"}");
            }
            ingest(http, key, later.subList(0, 4));
            server.sealNow();
            ingest(http, key, later.subList(4, 10));
            List<String> polled = new ArrayList<>();
            String cursor = last;
            for (int poll = 0; poll < 10; poll++) {
                JsonNode page = search(http, key, Map.of("q", "user:u1", "after", cursor, "limit", "3"));
                polled.addAll(messages(page));
                cursor = page.get("last").asText();
                if (!page.get("more").asBoolean()) {
                    break;
                }
            }
            assertEquals(List.of("step 30", "step 31", "step 32", "step 33", "step 34", "step 35", "step 36", "step 37",
                    "step 38", "step 39"), polled, "parts then head, in order, nothing twice");

            assertTrue(http.metric("larch_head_index_bytes") > 0, "the head's postings are counted");
            server.sealNow();
            assertEquals(0.0, http.metric("larch_head_index_bytes"), "sealed segments give their index memory back");

            HttpJson.Response bad = http.get("/api/log", key, Map.of("after", "not-an-id"));
            assertEquals(400, bad.status(), bad.body());
            assertTrue(bad.body().contains("after"), bad.body());
            HttpJson.Response both = http.get("/api/log", key, Map.of("after", last, "cursor", "x"));
            assertEquals(400, both.status(), both.body());
        }
    }
}
