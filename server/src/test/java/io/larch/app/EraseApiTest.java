package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.model.EventId;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.SseClient;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /admin/erase} over HTTP: user A's events leave project shop everywhere a reader
 * could find them (search, a stream resumed from the start, top and stats, the WAL), user B's
 * and project other's stay exactly, and the request's status walks to done with its counts.
 */
class EraseApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private static final Instant T0 = Instant.parse("2026-11-20T00:00:00Z");
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    /** A's messages carry the word "zebra", B's never do; every event shares one fingerprint, A's the latest of each batch. */
    private static String event(Instant ts, String user, int n) {
        String message = user.equals("A") ? "zebra checkout " + n : "plain checkout " + n;
        return "{\"ts\":\"" + ts + "\",\"message\":\"" + message + "\",\"userId\":\"" + user
                + "\",\"fingerprint\":\"fp-shared\",\"level\":\"error\"}";
    }

    /** {@code b} of B's then {@code a} of A's events, a second apart from {@code start}. */
    private static String batch(Instant start, int b, int a) {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            events.add(event(start.plusSeconds(i), "B", i));
        }
        for (int i = 0; i < a; i++) {
            events.add(event(start.plusSeconds(b + i), "A", i));
        }
        return "[" + String.join(",", events) + "]";
    }

    private static void ingest(HttpJson http, String key, String batch) {
        HttpJson.Response response = http.post("/api/log", key, batch);
        assertEquals(202, response.status(), response.body());
    }

    private static int count(HttpJson http, String key, String query) {
        HttpJson.Response response = http.get("/api/log", key, Map.of("q", query, "limit", "1000", "from", "2026-01-01T00:00:00Z"));
        assertEquals(200, response.status(), response.body());
        return response.json().get("events").size();
    }

    private static JsonNode awaitFinished(HttpJson http, String key, long id) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode status = http.get("/admin/erase/" + id, key).json();
            if (status.get("status").asText().equals("done") || status.get("status").asText().equals("failed")) {
                return status;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("erase request " + id + " did not finish within " + WAIT);
    }

    private static long shopBytes(HttpJson http) {
        for (JsonNode project : http.get("/admin/storage", ADMIN).json().get("projects")) {
            if (project.get("project").asText().equals("shop")) {
                return project.get("bytes").asLong();
            }
        }
        return 0;
    }

    private List<String> walFilesHolding(String word) throws Exception {
        Path wal = dataDir.resolve("wal");
        if (!Files.exists(wal)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(wal)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                try {
                    return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(word);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Path::toString).toList();
        }
    }

    @Test
    void erasesOneUserFromPartsHeadAndWalOfOneProjectOnly() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String shop = http.post("/admin/projects", ADMIN, "{\"name\":\"Shop\",\"slug\":\"shop\"}").json().get("key").asText();
            String other = http.post("/admin/projects", ADMIN, "{\"name\":\"Other\",\"slug\":\"other\"}").json().get("key").asText();
            String shopAdmin = http.post("/admin/projects/shop/keys", ADMIN, "{\"scopes\":[\"admin\"]}").json().get("key").asText();
            // Two sealed batches an hour apart (compacted into one part), one 12 h later (its own
            // part), one holding only A (retired with no replacement), one left in the head.
            ingest(http, shop, batch(T0, 4, 3));
            server.sealNow();
            ingest(http, shop, batch(T0.plus(Duration.ofHours(1)), 3, 2));
            ingest(http, other, batch(T0, 4, 5));
            server.sealNow();
            ingest(http, shop, batch(T0.plus(Duration.ofHours(12)), 2, 2));
            server.sealNow();
            ingest(http, shop, batch(T0.plus(Duration.ofHours(24)), 0, 3));
            server.sealNow();
            ingest(http, shop, batch(T0.plus(Duration.ofHours(48)), 2, 2));
            assertEquals(12, count(http, shop, "user:A"));
            assertEquals(12, count(http, shop, "zebra"));
            assertFalse(walFilesHolding("zebra").isEmpty(), "A's newest events are still in the WAL");
            long bytesBefore = shopBytes(http);

            HttpJson.Response accepted = http.post("/admin/erase", shopAdmin, "{\"userId\":\"A\"}");
            assertEquals(202, accepted.status(), accepted.body());
            assertEquals("pending", accepted.json().get("status").asText());
            assertEquals("shop", accepted.json().get("project").asText());
            long id = accepted.json().get("id").asLong();
            JsonNode done = awaitFinished(http, shopAdmin, id);
            assertEquals("done", done.get("status").asText(), done.toString());
            assertEquals(12, done.get("eventsRemoved").asInt(), done.toString());
            assertEquals(4, done.get("partsRewritten").asInt(), "the compacted part, the 12 h part, the A-only part, the sealed head");
            assertEquals(4, done.get("partsChecked").asInt(), done.toString());
            assertTrue(done.get("bytesAfter").asLong() < done.get("bytesBefore").asLong(), done.toString());
            assertEquals(bytesBefore, done.get("bytesBefore").asLong(), "the head was not in parts yet: only parts are counted");
            assertNotNull(done.get("startedAt").textValue());
            assertNotNull(done.get("finishedAt").textValue());
            assertTrue(done.get("error").isNull());
            assertTrue(shopBytes(http) < bytesBefore);

            assertEquals(0, count(http, shop, "user:A"));
            assertEquals(0, count(http, shop, "zebra"));
            assertEquals(11, count(http, shop, "user:B"));
            assertEquals(11, count(http, shop, "checkout"));
            assertEquals(5, count(http, other, "user:A"), "another project's events of the same user id stay");
            assertEquals(4, count(http, other, "user:B"));
            assertEquals(List.of(), walFilesHolding("zebra"), "the segments that held A's events were sealed and deleted");

            JsonNode users = http.get("/api/log/top", shop, Map.of("field", "user", "from", "2026-01-01T00:00:00Z")).json();
            assertEquals(1, users.get("values").size(), users.toString());
            assertEquals("B", users.get("values").get(0).get("value").asText());
            assertEquals(11, users.get("values").get(0).get("count").asInt());
            JsonNode fingerprints = http.get("/api/log/top", shop, Map.of("from", "2026-01-01T00:00:00Z")).json();
            assertEquals(11, fingerprints.get("values").get(0).get("count").asInt());
            assertEquals("plain checkout 1", fingerprints.get("values").get(0).get("sample").asText(),
                    "the rollup's latest message was A's before; rebuilt from B's rows");
            assertEquals(11, http.get("/api/log/stats", shop, Map.of("from", "2026-01-01T00:00:00Z")).json().get("total").asInt());
            assertEquals(9, http.get("/api/log/stats", other, Map.of("from", "2026-01-01T00:00:00Z")).json().get("total").asInt());

            try (SseClient stream = SseClient.open(http.uri("/api/log/stream?project=shop"), shop,
                    Map.of("Last-Event-ID", EventId.format(0)))) {
                List<SseClient.Frame> caughtUp = stream.logEvents(12, Duration.ofSeconds(3));
                assertEquals(11, caughtUp.size());
                assertTrue(caughtUp.stream().noneMatch(f -> f.data().contains("zebra")));
            }

            JsonNode listed = http.get("/admin/erase", shopAdmin).json().get("requests");
            assertEquals(1, listed.size());
            assertEquals(id, listed.get(0).get("id").asLong());
            List<String> actions = new ArrayList<>();
            http.get("/admin/audit?project=shop", ADMIN).json().get("entries").forEach(e -> actions.add(e.get("action").asText()));
            assertEquals(List.of("erase.done", "erase.request"), actions.subList(0, 2));

            server.restart();
            assertEquals(0, server.http().get("/api/log", shop, Map.of("q", "user:A", "from", "2026-01-01T00:00:00Z")).json()
                    .get("events").size(), "nothing comes back at the next start");
            assertEquals("done", server.http().get("/admin/erase/" + id, shopAdmin).json().get("status").asText());
        }
    }

    /**
     * A's events live only in the archive (local copies dropped) and in a finished build's
     * archived log object: after the erasure neither the archive's part objects, the build's
     * object, its download nor a search holds them, and B's are all there.
     */
    @Test
    void erasesFromArchivedPartsAndBuildLogObjects() throws Exception {
        MutableClock clock = MutableClock.at("2026-11-01T10:00:00Z");
        try (TestServer server = TestServer.start(dataDir, Map.of(), clock)) {
            HttpJson http = server.http();
            String shop = server.createProject("Shop");
            List<String> build = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String user = i % 2 == 0 ? "A" : "B";
                String words = user.equals("A") ? "zebra step " : "plain step ";
                build.add("{\"kind\":\"build\",\"buildId\":\"b1\",\"message\":\"" + words + i + "\",\"userId\":\"" + user + "\"}");
            }
            build.add("{\"kind\":\"build\",\"buildId\":\"b1\",\"message\":\"done\",\"status\":\"success\",\"userId\":\"B\"}");
            ingest(http, shop, "[" + String.join(",", build) + "]");
            ingest(http, shop, batch(clock.instant().minusSeconds(60), 4, 3));
            server.sealNow();
            Path buildObject = dataDir.resolve("archive/builds/" + server.projectId("shop") + "/b1.ndjson.gz");
            awaitFile(buildObject);
            assertTrue(gunzip(buildObject).contains("zebra"));

            // Cold: archived, then the local copies dropped after the local grace and the query grace.
            clock.advance(Duration.ofDays(31));
            assertTrue(maintain(http).get("archive").get("parts").asInt() >= 2);
            clock.advance(Duration.ofDays(3).plusMinutes(1));
            maintain(http);
            clock.advance(Duration.ofMinutes(6));
            maintain(http);
            assertEquals(List.of(), localPartFiles(), "every part lives only in the archive");
            assertEquals(6, count(http, shop, "user:A"));
            assertEquals(6, archivedRows("user_id = 'A'"));

            HttpJson.Response accepted = http.post("/admin/erase", ADMIN, "{\"userId\":\"A\"}");
            assertEquals(202, accepted.status(), accepted.body());
            JsonNode done = awaitFinished(http, ADMIN, accepted.json().get("id").asLong());
            assertEquals("done", done.get("status").asText(), done.toString());
            assertEquals(6, done.get("eventsRemoved").asInt(), done.toString());
            assertEquals(0, count(http, shop, "user:A"));
            assertEquals(0, count(http, shop, "zebra"));
            assertEquals(8, count(http, shop, "user:B"));

            String object = gunzip(buildObject);
            assertFalse(object.contains("zebra"), object);
            assertEquals(4, object.lines().count(), "B's three lines and the end: " + object);
            HttpJson.Response download = http.get("/api/builds/b1/logs", shop, Map.of("format", "text"));
            assertEquals(200, download.status(), download.body());
            assertFalse(download.body().contains("zebra"), download.body());
            assertEquals(4, download.body().lines().count(), download.body());

            // The old objects go after the query grace; the rewritten parts are archived again.
            clock.advance(Duration.ofMinutes(6));
            maintain(http);
            assertEquals(0, archivedRows("user_id = 'A'"), "no archived part object holds A");
            assertEquals(8, archivedRows("user_id = 'B'"), "B's rows are archived once, in the rewritten parts");
        }
    }

    private static JsonNode maintain(HttpJson http) {
        HttpJson.Response response = http.post("/admin/maintain", ADMIN, "");
        assertEquals(200, response.status(), response.body());
        return response.json();
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(file), file + " was not written");
    }

    private static String gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Local Parquet files of parts (not rollups, not the cache, not the archive). */
    private List<Path> localPartFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir.resolve("parts"))) {
            return files.filter(f -> f.toString().endsWith(".parquet") && !f.toString().endsWith(".rollup.parquet")).toList();
        }
    }

    /** Rows matching {@code where} in every part object of the archive (rollups aside), read by DuckDB. */
    private long archivedRows(String where) throws Exception {
        List<String> objects;
        try (Stream<Path> files = Files.walk(dataDir.resolve("archive"))) {
            objects = files.map(Path::toString)
                    .filter(f -> f.endsWith(".parquet") && !f.endsWith(".rollup.parquet") && !f.contains(".tmp")).toList();
        }
        if (objects.isEmpty()) {
            return 0;
        }
        String list = objects.stream().map(f -> "'" + f.replace("'", "''") + "'").collect(Collectors.joining(","));
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
             ResultSet rows = duck.createStatement().executeQuery(
                     "SELECT count(*) FROM read_parquet([" + list + "]) WHERE " + where)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Test
    void theAdminTokenErasesInEveryProjectWhenItNamesNone() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String shop = server.createProject("Shop");
            String other = server.createProject("Other");
            ingest(http, shop, batch(T0, 2, 3));
            ingest(http, other, batch(T0, 1, 4));
            server.sealNow();
            HttpJson.Response accepted = http.post("/admin/erase", ADMIN, "{\"userId\":\"A\"}");
            assertEquals(202, accepted.status(), accepted.body());
            assertTrue(accepted.json().get("project").isNull());
            JsonNode done = awaitFinished(http, ADMIN, accepted.json().get("id").asLong());
            assertEquals(7, done.get("eventsRemoved").asInt(), done.toString());
            assertEquals(0, count(http, shop, "user:A") + count(http, other, "user:A"));
            assertEquals(3, count(http, shop, "plain") + count(http, other, "plain"));
            HttpJson.Response byId = http.post("/admin/erase", ADMIN, "{\"userId\":\"B\",\"project\":"
                    + server.projectId("shop") + "}");
            assertEquals("shop", byId.json().get("project").asText(), "a project may be named by its id");
        }
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            server.createProject("Shop");
            server.createProject("Other");
            String shopAdmin = http.post("/admin/projects/shop/keys", ADMIN, "{\"scopes\":[\"admin\"]}").json().get("key").asText();
            String otherAdmin = http.post("/admin/projects/other/keys", ADMIN, "{\"scopes\":[\"admin\"]}").json().get("key").asText();
            check(http.post("/admin/erase", ADMIN, "{}"), 400, "userId: missing");
            check(http.post("/admin/erase", ADMIN, "{\"userId\":\"\"}"), 400, "userId: missing");
            check(http.post("/admin/erase", ADMIN, "{\"userId\":7}"), 400, "userId: must be a string");
            check(http.post("/admin/erase", ADMIN, "{\"userId\":\"A\",\"project\":\"nope\"}"), 404, "no project 'nope'");
            check(http.post("/admin/erase", ADMIN, "{\"userId\":\"A\",\"project\":99}"), 404, "no project '99'");
            check(http.post("/admin/erase", ADMIN, "{\"userId\":\"A\",\"project\":[]}"), 400, "project: give the project's slug or id");
            check(http.post("/admin/erase", ADMIN, "{\"user\":\"A\"}"), 400, "user: unknown field");
            check(http.post("/admin/erase", ADMIN, "not json"), 400, "body is not valid JSON");
            check(http.post("/admin/erase", shopAdmin, "{\"userId\":\"A\",\"project\":\"other\"}"), 403, "cannot erase in project 'other'");
            check(http.post("/admin/erase", server.createProject("Third"), "{\"userId\":\"A\"}"), 403, "lacks the 'admin' scope");
            check(http.get("/admin/erase/abc", ADMIN), 400, "id: must be the number");
            check(http.get("/admin/erase/999", ADMIN), 404, "no erase request 999");
            long shopRequest = http.post("/admin/erase", shopAdmin, "{\"userId\":\"A\"}").json().get("id").asLong();
            check(http.get("/admin/erase/" + shopRequest, otherAdmin), 404, "no erase request " + shopRequest);
            assertEquals(0, http.get("/admin/erase", otherAdmin).json().get("requests").size());
            long everywhere = http.post("/admin/erase", ADMIN, "{\"userId\":\"A\"}").json().get("id").asLong();
            check(http.get("/admin/erase/" + everywhere, shopAdmin), 404, "an every-project request is the admin token's");
            assertEquals(2, http.get("/admin/erase", ADMIN).json().get("requests").size());
        }
    }

    private static void check(HttpJson.Response response, int status, String inBody) {
        assertEquals(status, response.status(), response.body());
        if (status != 404 || !inBody.startsWith("an ")) {
            assertTrue(response.body().contains(inBody), response.body());
        }
        assertFalse(response.body().isEmpty());
    }
}
