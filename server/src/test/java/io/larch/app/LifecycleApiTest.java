package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project's data walks hot -> warm -> cold (archived, local copy dropped, still searchable) ->
 * deleted, on an injected clock, for each retention preset; maintenance by hand drives each step.
 */
class LifecycleApiTest {
    private static final Duration QUERY_GRACE = Duration.ofMinutes(6);

    @TempDir
    Path dataDir;

    @Test
    void defaultPresetWalksEveryTierToDeletion() throws Exception {
        walk("default", Duration.ofDays(7), Duration.ofDays(30), Duration.ofDays(90), "app");
    }

    @Test
    void worklogPresetKeepsWorkLogsNinetyDaysThroughTheArchive() throws Exception {
        walk("worklog", Duration.ofDays(7), Duration.ofDays(30), Duration.ofDays(90), "work");
    }

    @Test
    void overflowPresetDeletesAfterItsHoursWithoutArchiving() throws Exception {
        MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of(), clock)) {
            HttpJson http = server.http();
            String key = server.createProject("Overflow");
            assertEquals(400, putRetention(http, "overflow", "{\"preset\":\"overflow\",\"deleteAfter\":\"100h\"}").status(),
                    "an overflow project keeps at most 72h");
            assertEquals(400, putRetention(http, "overflow", "{\"preset\":\"weekly\"}").status());
            HttpJson.Response set = putRetention(http, "overflow", "{\"preset\":\"overflow\",\"deleteAfter\":\"48h\"}");
            assertEquals(200, set.status(), set.body());
            assertEquals("2d", set.json().get("deleteAfter").asText(), "48h is shown as 2d");
            assertFalse(set.json().get("archives").asBoolean());
            ingest(http, key, "app", 50);
            maintain(http);
            clock.advance(Duration.ofHours(47));
            maintain(http);
            assertEquals(50, search(http, key).get("events").size(), "kept until 48h");
            clock.advance(Duration.ofHours(2));
            JsonNode run = maintain(http);
            assertEquals(1, run.get("retention").get("expiredParts").asInt(), run.toString());
            assertEquals(0, search(http, key).get("events").size(), "gone from queries at once");
            clock.advance(QUERY_GRACE);
            maintain(http);
            assertEquals(List.of(), archivedObjects(), "never archived");
            assertEquals(List.of(), localPartFiles(), "files deleted after the query grace");
        }
    }

    @Test
    void ingestStartsMaintenanceWhenTheLastRunIsOlderThanFiveMinutes() throws Exception {
        MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of(), clock)) {
            HttpJson http = server.http();
            String key = server.createProject("Sleepy");
            maintain(http);
            ingest(http, key, "app", 1);
            Thread.sleep(300);
            assertEquals("admin", lastRun(http).get("trigger").asText(), "a run 0 minutes ago is recent enough");
            clock.advance(Duration.ofMinutes(6));
            ingest(http, key, "app", 1);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!lastRun(http).get("trigger").asText().equals("ingest") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals("ingest", lastRun(http).get("trigger").asText(), "ingest started a run by itself");
        }
    }

    @Test
    void purgeDeletesExpiredDataWithoutWaitingTheQueryGrace() throws Exception {
        MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of(), clock)) {
            HttpJson http = server.http();
            String key = server.createProject("Purged");
            assertEquals(200, putRetention(http, "purged", "{\"preset\":\"overflow\"}").status());
            ingest(http, key, "app", 10);
            maintain(http);
            clock.advance(Duration.ofHours(25));
            HttpJson.Response purge = http.post("/admin/purge", TestServer.ADMIN_TOKEN, "");
            assertEquals(200, purge.status(), purge.body());
            assertEquals(1, purge.json().get("retention").get("expiredParts").asInt(), purge.body());
            assertEquals(1, purge.json().get("retiredPartsDeleted").asInt(), purge.body());
            assertEquals(List.of(), localPartFiles());
            assertEquals(0, search(http, key).get("events").size());
        }
    }

    @Test
    void retentionDeletesTheFilesOfQuarantinedPartsToo() throws Exception {
        MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of(), clock)) {
            HttpJson http = server.http();
            String key = server.createProject("Damaged");
            assertEquals(200, putRetention(http, "damaged", "{\"preset\":\"overflow\"}").status());
            ingest(http, key, "app", 20);
            maintain(http);
            Path part = localPartFiles().getFirst();
            byte[] bytes = Files.readAllBytes(part);
            bytes[bytes.length / 2] ^= 0x5a;
            Files.write(part, bytes);
            JsonNode scrubbed = maintain(http);
            assertEquals(1, http.get("/admin/storage", TestServer.ADMIN_TOKEN).json().get("quarantined").size(), scrubbed.toString());
            assertFalse(quarantinedFiles().isEmpty());
            assertTrue(search(http, key).has("partial"), "an answer that could have read it says partial");

            clock.advance(Duration.ofHours(23));
            assertEquals(0, maintain(http).get("retention").get("expiredQuarantinedParts").asInt(), "kept until 24h");
            clock.advance(Duration.ofHours(2));
            JsonNode expired = maintain(http);
            assertEquals(1, expired.get("retention").get("expiredQuarantinedParts").asInt(), expired.toString());
            assertEquals(List.of(), quarantinedFiles(), "damaged data is not kept past retention either");
            assertEquals(0, http.get("/admin/storage", TestServer.ADMIN_TOKEN).json().get("quarantined").size());
            assertFalse(search(http, key).has("partial"), "nothing in retention is missing any more");
            clock.advance(QUERY_GRACE);
            maintain(http);
            server.restart();
            assertEquals(0, server.http().get("/admin/storage", TestServer.ADMIN_TOKEN).json().get("quarantined").size(),
                    "the catalog no longer lists it after a restart");
        }
    }

    private List<Path> quarantinedFiles() throws IOException {
        Path quarantine = dataDir.resolve("quarantine");
        if (!Files.isDirectory(quarantine)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(quarantine)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static JsonNode lastRun(HttpJson http) {
        return http.get("/api/stats/system", TestServer.ADMIN_TOKEN).json().get("lastMaintenance");
    }

    private void walk(String preset, Duration hot, Duration warm, Duration deleteAfter, String kind) throws Exception {
        MutableClock clock = MutableClock.at("2026-12-01T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of(), clock)) {
            HttpJson http = server.http();
            String key = server.createProject("Walker");
            assertEquals(200, putRetention(http, "walker", "{\"preset\":\"" + preset + "\"}").status());
            ingest(http, key, kind, 120);
            maintain(http);
            assertTier(http, "hot", 120);

            clock.advance(hot.plusHours(1));
            maintain(http);
            assertTier(http, "warm", 120);
            assertEquals(List.of(), archivedObjects());

            clock.advance(warm.minus(hot));
            JsonNode archivedRun = maintain(http);
            assertEquals(1, archivedRun.get("archive").get("parts").asInt(), archivedRun.toString());
            assertTier(http, "cold", 120);
            assertTrue(archivedObjects().stream().anyMatch(k -> k.startsWith(kind + "/2026/12/01/0-")
                    && k.endsWith(".parquet") && !k.endsWith(".rollup.parquet")), archivedObjects().toString());
            assertEquals(1, localPartFiles().size(), "the local copy stays for the local grace");
            assertEquals(120, search(http, key).get("events").size());

            clock.advance(Duration.ofDays(3).plusMinutes(1));
            JsonNode dropped = maintain(http);
            assertEquals(1, dropped.get("archive").get("localCopiesDropped").asInt(), dropped.toString());
            clock.advance(QUERY_GRACE);
            maintain(http);
            assertEquals(List.of(), localPartFiles(), "the local copy is deleted after the query grace");
            JsonNode stats1 = http.get("/api/log/stats", key, Map.of("kind", "app,work")).json();
            assertEquals(120, stats1.get("total").asInt(), "counts come from the local rollup: " + stats1);
            assertEquals(0, cacheDownloads(http), "... without downloading the part");
            JsonNode cold = search(http, key);
            assertEquals(120, cold.get("events").size(), "searchable from the archive: " + cold);
            assertEquals(1, cold.get("archivedPartsRead").asInt());
            assertFalse(cold.has("partial"));
            assertEquals(1, cacheDownloads(http), "the search fetched the part once");
            assertEquals(120, search(http, key, "needle").get("events").size(), "a word search reads the archive too");
            assertEquals(0, search(http, key, "haystack").get("events").size());
            assertEquals(1, cacheDownloads(http), "later reads come from the cache");
            JsonNode stats = http.get("/api/stats/system", TestServer.ADMIN_TOKEN).json();
            assertEquals(1, stats.get("parts").get("local_deleted").asInt(), stats.toString());

            clock.advance(deleteAfter.minus(warm));
            JsonNode expired = maintain(http);
            assertEquals(1, expired.get("retention").get("expiredParts").asInt(), expired.toString());
            assertEquals(0, search(http, key).get("events").size());
            clock.advance(QUERY_GRACE);
            JsonNode deleted = maintain(http);
            assertEquals(4, deleted.get("retention").get("objectsDeleted").asInt(), deleted.toString());
            assertEquals(List.of(), archivedObjects(), "the archive objects are deleted");
            assertEquals(List.of(), localPartFiles());
            JsonNode after = http.get("/api/stats/system", TestServer.ADMIN_TOKEN).json();
            assertEquals(1, after.get("parts").get("deleted").asInt(), after.toString());
            assertEquals("ok", after.get("lastMaintenance").get("outcome").asText(), after.toString());
        }
    }

    private static void ingest(HttpJson http, String key, String kind, int count) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"message\":\"needle number ").append(i).append("\",\"kind\":\"")
                    .append(kind).append("\",\"userId\":\"u").append(i % 3).append("\"}");
        }
        HttpJson.Response response = http.post("/api/log", key, body.append("]").toString());
        assertEquals(202, response.status(), response.body());
    }

    private static JsonNode maintain(HttpJson http) {
        HttpJson.Response response = http.post("/admin/maintain", TestServer.ADMIN_TOKEN, "");
        assertEquals(200, response.status(), response.body());
        return response.json();
    }

    private static JsonNode search(HttpJson http, String key) {
        return http.get("/api/log", key, Map.of("limit", "1000", "kind", "app,work")).json();
    }

    private static JsonNode search(HttpJson http, String key, String q) {
        return http.get("/api/log", key, Map.of("limit", "1000", "q", q, "kind", "app,work")).json();
    }

    private static HttpJson.Response putRetention(HttpJson http, String project, String body) {
        return http.send(HttpRequest.newBuilder(URI.create(http.base() + "/admin/projects/" + project + "/retention"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)),
                TestServer.ADMIN_TOKEN);
    }

    private static int cacheDownloads(HttpJson http) {
        JsonNode stats = http.get("/api/stats/system", TestServer.ADMIN_TOKEN).json();
        return stats.get("archive").get("cache").get("downloads").asInt();
    }

    private static void assertTier(HttpJson http, String tier, int events) {
        JsonNode stats = http.get("/api/stats/system", TestServer.ADMIN_TOKEN).json();
        assertEquals(events, stats.get("tiers").get(tier).get("events").asInt(), stats.toString());
    }

    private List<String> archivedObjects() throws IOException {
        Path archive = dataDir.resolve("archive");
        if (!Files.isDirectory(archive)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(archive)) {
            return files.filter(Files::isRegularFile).map(f -> archive.relativize(f).toString())
                    .filter(k -> !k.startsWith(".tmp")).sorted().toList();
        }
    }

    /** Local Parquet files of parts (not rollups, not the cache, not the archive). */
    private List<Path> localPartFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir.resolve("parts"))) {
            return files.filter(f -> f.toString().endsWith(".parquet") && !f.toString().endsWith(".rollup.parquet")).toList();
        }
    }
}
