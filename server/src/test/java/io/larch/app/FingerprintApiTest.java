package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.ingest.MaskingFingerprinter;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/fingerprints} and merge rules: after an admin merges one fingerprint into
 * another, new events of either land in the merged group (a client-supplied fingerprint too),
 * the listing counts the old events with it, rules survive a restart, and deleting a rule stops it.
 */
class FingerprintApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private static final Map<String, String> ALL_TIME = Map.of("from", "2026-01-01T00:00:00Z");

    @TempDir
    Path dataDir;

    @Test
    void mergedFingerprintsGroupOldAndNewEvents() {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String shop = server.createProject("Shop");
            ingest(http, shop, "[{\"message\":\"order 1 failed\"},{\"message\":\"order 2 failed\"},"
                    + "{\"message\":\"payment declined for card\"},{\"message\":\"x\",\"fingerprint\":\"client-fp\"}]");
            JsonNode before = fingerprints(http, shop);
            assertEquals(3, before.size(), before.toString());
            String order = fingerprintOf(before, "order 2 failed");
            String payment = fingerprintOf(before, "payment declined for card");
            assertEquals(2, before.get(0).get("count").asInt(), "the two orders are one group: " + before);

            HttpJson.Response merged = merge(http, ADMIN, "{\"fingerprint\":\"" + payment + "\",\"into\":\"" + order + "\"}");
            assertEquals(201, merged.status(), merged.body());
            assertEquals(order, merged.json().get("landsIn").asText());
            assertEquals(201, merge(http, ADMIN, "{\"fingerprint\":\"client-fp\",\"into\":\"" + payment + "\"}").status(),
                    "a chain: client-fp into payment into order");
            ingest(http, shop, "[{\"message\":\"payment declined for card\"},{\"message\":\"y\",\"fingerprint\":\"client-fp\"}]");
            JsonNode stored = http.get("/api/log", shop, Map.of("q", "payment", "from", "2026-01-01T00:00:00Z")).json().get("events");
            assertEquals(order, stored.get(0).get("fingerprint").asText(), "a new event lands in the merged group");
            assertEquals(payment, stored.get(1).get("fingerprint").asText(), "a stored one keeps its fingerprint");

            JsonNode after = fingerprints(http, shop);
            assertEquals(1, after.size(), after.toString());
            assertEquals(order, after.get(0).get("fingerprint").asText());
            assertEquals(6, after.get(0).get("count").asInt(), "old and new events of all three count in the group");
            assertEquals(List.of("client-fp", payment).stream().sorted().toList(), texts(after.get(0).get("mergedFrom")));

            server.restart();
            HttpJson again = server.http();
            ingest(again, shop, "[{\"message\":\"payment declined for card\"}]");
            assertEquals(7, fingerprints(again, shop).get(0).get("count").asInt(), "rules survive a restart");
            assertEquals(2, again.get("/admin/projects/shop/fingerprints/merges", ADMIN).json().get("merges").size());

            HttpJson.Response deleted = again.send(HttpRequest.newBuilder(URI.create(again.base()
                    + "/admin/projects/shop/fingerprints/merges/" + payment)).DELETE(), ADMIN);
            assertEquals(200, deleted.status(), deleted.body());
            ingest(again, shop, "[{\"message\":\"payment declined for card\"}]");
            JsonNode unmerged = fingerprints(again, shop);
            assertEquals(3, countOf(unmerged, payment), "after the rule is deleted, payment is its own group again (its"
                    + " events stored outside the rule, and client-fp still merged into it): " + unmerged);

            List<String> actions = new ArrayList<>();
            again.get("/admin/audit?project=shop", ADMIN).json().get("entries").forEach(e -> actions.add(e.get("action").asText()));
            assertEquals(List.of("fingerprint.unmerge", "fingerprint.merge", "fingerprint.merge"), actions.subList(0, 3));
        }
    }

    @Test
    void templatesAreShownAndFingerprintsStayStableAcrossRestarts() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String shop = server.createProject("Shop");
            ingest(http, shop, "[{\"message\":\"Receiving block blk_1 src: /10.0.0.1:50010 dest: /10.0.0.2:50010\",\"source\":\"dn\"},"
                    + "{\"message\":\"user alice logged in\",\"source\":\"auth\"},"
                    + "{\"message\":\"user bob logged in\",\"source\":\"auth\"}]");
            JsonNode listing = awaitTemplates(http, shop, 2);
            assertEquals("user <*> logged in", templateOf(listing, "user bob logged in"));
            assertEquals("auth", sourceOf(listing, "user bob logged in"));
            assertEquals("Receiving block <*> src: <*> dest: <*>",
                    templateOf(listing, "Receiving block blk_1 src: /10.0.0.1:50010 dest: /10.0.0.2:50010"));
            String users = fingerprintOf(listing, "user bob logged in");
            ingest(http, shop, "[{\"message\":\"payment 7 failed\",\"level\":\"error\",\"stack\":\"java.lang.IllegalStateException\\n\\tat a.B.c(B.java:3)\"}]");
            assertEquals("payment <*> failed", templateOf(awaitTemplates(http, shop, 3), "payment 7 failed"),
                    "an error's fingerprint (template and frames) shows its template too");

            server.restart();
            HttpJson again = server.http();
            ingest(again, shop, "[{\"message\":\"user carol logged in\",\"source\":\"auth\"}]");
            JsonNode stored = again.get("/api/log", shop, Map.of("q", "carol", "from", "2026-01-01T00:00:00Z")).json().get("events");
            assertEquals(users, stored.get(0).get("fingerprint").asText(), "the group learned before the restart takes it");
            assertEquals(3, countOf(fingerprints(again, shop), users));
        }
    }

    @Test
    void v1CanBeChosenByConfig() {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_FINGERPRINTER", "v1"), Clock.systemUTC())) {
            HttpJson http = server.http();
            String shop = server.createProject("Shop");
            ingest(http, shop, "[{\"message\":\"user alice logged in\"},{\"message\":\"user bob logged in\"}]");
            JsonNode listing = fingerprints(http, shop);
            assertEquals(2, listing.size(), "v1 masks, it does not learn that the user varies: " + listing);
            assertEquals(new MaskingFingerprinter().fingerprint(1, null, "user alice logged in", null),
                    fingerprintOf(listing, "user alice logged in"));
            assertTrue(listing.get(0).get("template").isNull(), "v1 records no template");
        }
    }

    @Test
    void aProjectMayChooseItsFingerprinter() {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String shop = server.createProject("Shop");
            String other = server.createProject("Other");
            HttpJson.Response chosen = putSettings(http, "shop", "{\"fingerprinter\":\"v1\"}");
            assertEquals(200, chosen.status(), chosen.body());
            assertEquals("v1", chosen.json().get("fingerprinter").asText());
            check(putSettings(http, "shop", "{\"fingerprinter\":\"drain\"}"), 400, "fingerprinter: use template, v1 or default");
            String users = "[{\"message\":\"user alice logged in\"},{\"message\":\"user bob logged in\"}]";
            ingest(http, shop, users);
            ingest(http, other, users);
            assertEquals(2, fingerprints(http, shop).size(), "v1 for shop");
            assertEquals(1, fingerprints(http, other).size(), "the server's template default for the others");
            assertEquals("default", putSettings(http, "shop", "{\"fingerprinter\":\"default\"}").json().get("fingerprinter").asText());
        }
    }

    private static HttpJson.Response putSettings(HttpJson http, String slug, String body) {
        return http.send(HttpRequest.newBuilder(URI.create(http.base() + "/admin/projects/" + slug + "/settings"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)), ADMIN);
    }

    /** The listing once at least {@code groups} groups show a template (they are recorded within a second). */
    private static JsonNode awaitTemplates(HttpJson http, String key, int groups) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        JsonNode listing = fingerprints(http, key);
        while (System.nanoTime() < deadline) {
            int withTemplate = 0;
            for (JsonNode entry : listing) {
                withTemplate += entry.get("template").isNull() ? 0 : 1;
            }
            if (withTemplate >= groups) {
                return listing;
            }
            Thread.sleep(50);
            listing = fingerprints(http, key);
        }
        throw new AssertionError("templates were not recorded: " + listing);
    }

    private static String templateOf(JsonNode listing, String sample) {
        return entryOf(listing, sample).get("template").asText();
    }

    private static String sourceOf(JsonNode listing, String sample) {
        return entryOf(listing, sample).get("source").asText();
    }

    private static JsonNode entryOf(JsonNode listing, String sample) {
        for (JsonNode entry : listing) {
            if (entry.get("sample").asText().equals(sample)) {
                return entry;
            }
        }
        throw new AssertionError("no group with sample '" + sample + "' in " + listing);
    }

    @Test
    void badMergesSayWhatIsWrong() {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            server.createProject("Shop");
            server.createProject("Other");
            String otherAdmin = http.post("/admin/projects/other/keys", ADMIN, "{\"scopes\":[\"admin\"]}").json().get("key").asText();
            assertEquals(201, merge(http, ADMIN, "{\"fingerprint\":\"a\",\"into\":\"b\"}").status());
            check(merge(http, ADMIN, "{\"fingerprint\":\"b\",\"into\":\"a\"}"), 400, "would make a cycle");
            check(merge(http, ADMIN, "{\"fingerprint\":\"a\",\"into\":\"a\"}"), 400, "cannot be merged into itself");
            check(merge(http, ADMIN, "{\"into\":\"a\"}"), 400, "fingerprint: missing");
            check(merge(http, ADMIN, "{\"fingerprint\":\"a\",\"into\":7}"), 400, "into: must be a string");
            check(merge(http, ADMIN, "{\"fingerprint\":\"a\",\"into\":\"" + "x".repeat(300) + "\"}"), 400, "at most 256");
            check(merge(http, ADMIN, "{\"fingerprint\":\"a\",\"to\":\"b\"}"), 400, "to: unknown field");
            check(merge(http, otherAdmin, "{\"fingerprint\":\"c\",\"into\":\"d\"}"), 403, "");
            check(http.send(HttpRequest.newBuilder(URI.create(http.base() + "/admin/projects/shop/fingerprints/merges/zz"))
                    .DELETE(), ADMIN), 404, "no merge rule for fingerprint 'zz'");
            check(http.get("/api/fingerprints", server.createProject("Third"), Map.of("limit", "0")), 400, "limit");
        }
    }

    private static void check(HttpJson.Response response, int status, String inBody) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.body().contains(inBody), response.body());
    }

    private static void ingest(HttpJson http, String key, String body) {
        HttpJson.Response response = http.post("/api/log", key, body);
        assertEquals(202, response.status(), response.body());
    }

    private static HttpJson.Response merge(HttpJson http, String key, String body) {
        return http.post("/admin/projects/shop/fingerprints/merges", key, body);
    }

    private static JsonNode fingerprints(HttpJson http, String key) {
        HttpJson.Response response = http.get("/api/fingerprints", key, ALL_TIME);
        assertEquals(200, response.status(), response.body());
        return response.json().get("fingerprints");
    }

    private static String fingerprintOf(JsonNode listing, String sample) {
        return entryOf(listing, sample).get("fingerprint").asText();
    }

    private static int countOf(JsonNode listing, String fingerprint) {
        for (JsonNode entry : listing) {
            if (entry.get("fingerprint").asText().equals(fingerprint)) {
                return entry.get("count").asInt();
            }
        }
        return 0;
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
