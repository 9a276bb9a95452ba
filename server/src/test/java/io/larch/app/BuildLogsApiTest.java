package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Build and deployment logs over HTTP against a real server: a build's lines in every format, in
 * arrival order across parts and the head, its archived object (equal to the NDJSON answer, never
 * served stale), late lines, a retried build, who may read them, bad requests, damaged parts.
 */
class BuildLogsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-03T08:00:00Z");
    /** Past one page (5,000) of the routes and of the archiver, so both page. */
    private static final int BUILD_LINES = 5_200;

    @TempDir
    Path dataDir;

    private static String line(String field, String id, String kind, int ms, String message) {
        return "{\"" + field + "\":\"" + id + "\",\"kind\":\"" + kind + "\",\"ts\":\"" + T0.plusMillis(ms)
                + "\",\"message\":\"" + message + "\"}";
    }

    private static void ingest(HttpJson http, String key, List<String> events) {
        HttpJson.Response response = http.post("/api/log", key, "application/x-ndjson",
                String.join("\n", events).getBytes(StandardCharsets.UTF_8));
        assertEquals(202, response.status(), response.body());
    }

    /**
     * Project ci: build b1 in rounds of 200 lines (the first of each round stamped an hour early:
     * order is arrival, not time), with build b2 and deployment d1 in the same batches; project
     * other: its own build b1. Half is sealed into parts. Returns b1's messages in order.
     */
    private static List<String> ingestInterleaved(TestServer server, String ci, String other) {
        List<String> expected = new ArrayList<>();
        int n = 0;
        for (int round = 0; n < BUILD_LINES; round++) {
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < 200 && n < BUILD_LINES; i++, n++) {
                batch.add(line("buildId", "b1", i % 50 == 0 ? "build" : "app", i == 0 ? n - 3_600_000 : n, "b1 line " + n));
                expected.add("b1 line " + n);
                if (i % 8 == 0) {
                    batch.add(line("buildId", "b2", "build", n, "b2 line " + n));
                    batch.add(line("deploymentId", "d1", "deploy", n, "d1 line " + n));
                }
            }
            ingest(server.http(), ci, batch);
            ingest(server.http(), other, List.of(line("buildId", "b1", "build", n, "other b1 line " + n)));
            if (round == 12) {
                server.sealNow();
            }
        }
        return expected;
    }

    @Test
    void aFinishedBuildsLogIsItsLinesInOrderInEveryFormatAndOneArchivedObject() throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ci = server.createProject("CI");
            String other = server.createProject("Other");
            List<String> expected = ingestInterleaved(server, ci, other);
            ingest(http, ci, List.of("{\"kind\":\"build\",\"buildId\":\"b1\",\"status\":\"failed\",\"level\":\"error\","
                    + "\"ts\":\"" + T0.plusSeconds(60) + "\",\"message\":\"build failed:\\nexit 1\"}"));
            expected.add("build failed:\nexit 1");

            HttpJson.Response json = ok(http.get("/api/builds/b1/logs", ci));
            assertEquals("application/json", json.header("Content-Type"));
            JsonNode body = json.json();
            assertEquals("b1", body.get("buildId").asText());
            assertEquals(false, body.get("partial").asBoolean());
            assertNull(body.get("truncated"));
            assertEquals(expected, messages(body.get("events")));
            assertIdsAscend(body.get("events"));

            HttpJson.Response ndjson = ok(http.get("/api/builds/b1/logs?format=ndjson", ci));
            assertEquals("application/x-ndjson", ndjson.header("Content-Type"));
            List<JsonNode> lines = ndjson.body().lines().map(BuildLogsApiTest::parse).toList();
            assertEquals(expected, messages(lines));
            assertEquals(body.get("events").toString(), JSON.valueToTree(lines).toString(), "the same event JSON");
            assertTrue(ndjson.body().endsWith("}\n"), "every line ends in a newline");

            List<String> text = ok(http.get("/api/builds/b1/logs?format=text", ci)).body().lines().toList();
            assertEquals(expected.size(), text.size());
            assertEquals("2026-12-03T07:00:00.000Z INFO  b1 line 0", text.get(0), "ts, level, message: the event's own time");
            assertEquals("2026-12-03T08:00:00.001Z INFO  b1 line 1", text.get(1));
            assertEquals("2026-12-03T08:01:00.000Z ERROR build failed:\\nexit 1", text.getLast(), "one event, one line");

            Path object = archivedObject(server, "b1");
            HttpJson.Response gz = awaitSource(http, ci, "/api/builds/b1/logs.ndjson.gz", "archive");
            assertEquals("application/gzip", gz.header("Content-Type"));
            assertEquals("attachment; filename=\"build-b1.ndjson.gz\"", gz.header("Content-Disposition"));
            assertEquals(ndjson.body(), gunzip(gz.raw().body()), "the download is the NDJSON answer");
            assertEquals(ndjson.body(), gunzip(Files.readAllBytes(object)), "the object is the NDJSON answer");
            assertEquals(1.0, http.metric("larch_build_logs_archived_total"));

            ingest(http, ci, List.of("{\"buildId\":\"b1\",\"message\":\"late line\"}"));
            HttpJson.Response afterLate = ok(http.get("/api/builds/b1/logs?format=ndjson", ci));
            assertEquals("late line", parse(afterLate.body().lines().toList().getLast()).get("message").asText());
            HttpJson.Response staleObject = ok(http.get("/api/builds/b1/logs.ndjson.gz", ci));
            assertEquals("store", staleObject.header("X-Larch-Source"), "the object no longer covers the newest line");
            assertEquals(afterLate.body(), gunzip(staleObject.raw().body()));
            assertEquals(ndjson.body(), gunzip(Files.readAllBytes(object)), "a late line alone does not rewrite the object");

            ingest(http, ci, List.of("{\"kind\":\"build\",\"buildId\":\"b1\",\"status\":\"success\",\"message\":\"retried: ok\"}"));
            HttpJson.Response retried = awaitSource(http, ci, "/api/builds/b1/logs.ndjson.gz", "archive");
            String whole = ok(http.get("/api/builds/b1/logs?format=ndjson", ci)).body();
            assertEquals(expected.size() + 2, whole.lines().count());
            assertEquals(whole, gunzip(retried.raw().body()));
            assertEquals(whole, gunzip(Files.readAllBytes(object)), "the retried build's end rewrote the object");

            List<String> others = messages(ok(http.get("/api/builds/b1/logs", other)).json().get("events"));
            assertEquals(26, others.size(), "project other has its own build b1");
            assertTrue(others.stream().allMatch(m -> m.startsWith("other b1 line")), others.toString());
            assertEquals(1, Stream.of(archiveFiles(server)).filter(f -> f.endsWith("b1.ndjson.gz")).count(),
                    "other's b1 never ended");
        }
    }

    @Test
    void deploymentsAccessPagingAndBadRequests() {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ci = server.createProject("CI");
            String other = server.createProject("Other");
            List<String> d1 = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ingest(http, ci, List.of(line("deploymentId", "d1", "deploy", i, "deploy step " + i),
                        line("deploymentId", "d2", "deploy", i, "other deployment " + i),
                        line("buildId", "b 1+β", "build", i, "odd id " + i)));
                d1.add("deploy step " + i);
            }
            ingest(http, other, List.of(line("deploymentId", "d9", "deploy", 0, "other project's deploy")));

            JsonNode deployment = ok(http.get("/api/deployments/d1/logs", ci)).json();
            assertEquals("d1", deployment.get("deploymentId").asText());
            assertEquals(d1, messages(deployment.get("events")));
            String ndjson = ok(http.get("/api/deployments/d1/logs?format=ndjson", ci)).body();
            HttpJson.Response gz = ok(http.get("/api/deployments/d1/logs.ndjson.gz", ci));
            assertEquals("store", gz.header("X-Larch-Source"));
            assertEquals("attachment; filename=\"deployment-d1.ndjson.gz\"", gz.header("Content-Disposition"));
            assertEquals(ndjson, gunzip(gz.raw().body()));
            String third = deployment.get("events").get(2).get("id").asText();
            assertEquals(d1.subList(3, 5), messages(ok(http.get("/api/deployments/d1/logs?after=" + third, ci)).json()
                    .get("events")), "after= resumes past a line");
            assertEquals(5, messages(ok(http.get("/api/builds/b%201%2B%CE%B2/logs", ci)).json().get("events")).size(),
                    "ids are taken from the path URL-decoded");
            assertEquals(5, messages(ok(http.get("/api/deployments/d1/logs?project=ci", TestServer.ADMIN_TOKEN)).json()
                    .get("events")).size(), "the admin token names the project");

            check(http.get("/api/deployments/d1/logs", other), 404, "no events of deployment 'd1' in project 'other'");
            check(http.get("/api/deployments/d9/logs", ci), 404, "no events of deployment 'd9' in project 'ci'");
            check(http.get("/api/builds/nope/logs.ndjson.gz", ci), 404, "no events of build 'nope'");
            check(http.get("/api/deployments/d1/logs?project=ci", other), 403, "cannot access project 'ci'");
            check(http.get("/api/deployments/d1/logs", null), 401, "");
            String ingestOnly = http.post("/admin/projects/ci/keys", TestServer.ADMIN_TOKEN, "{\"scopes\":[\"ingest\"]}")
                    .json().get("key").asText();
            check(http.get("/api/builds/b1/logs", ingestOnly), 403, "lacks the 'read' scope");
            check(http.get("/api/deployments/d1/logs?format=xml", ci), 400, "format: use json (the default), ndjson or text");
            check(http.get("/api/deployments/d1/logs?after=yesterday", ci), 400, "after: not an event id");
            check(http.get("/api/builds/b1/logs.ndjson.gz?format=text", ci), 400, "the .ndjson.gz download is always NDJSON");
            check(http.get("/api/builds/" + "x".repeat(300) + "/logs", ci), 400, "buildId: give the build's id");
        }
    }

    @Test
    void aBuildWithLinesInADamagedPartIsPartialAndNotArchived() throws Exception {
        String ci;
        try (TestServer server = TestServer.start(dataDir)) {
            ci = server.createProject("CI");
            ingest(server.http(), ci, List.of(line("buildId", "b7", "build", 0, "sealed line")));
            server.sealNow();
            ingest(server.http(), ci, List.of(line("buildId", "b7", "build", 1, "head line")));
        }
        try (Stream<Path> files = Files.walk(dataDir.resolve("parts"))) {
            Path part = files.filter(f -> f.toString().endsWith(".parquet") && !f.toString().endsWith(".rollup.parquet"))
                    .findFirst().orElseThrow();
            byte[] bytes = Files.readAllBytes(part);
            bytes[bytes.length / 2] ^= 0x5a;
            Files.write(part, bytes);
        }
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            HttpJson.Response json = ok(http.get("/api/builds/b7/logs", ci));
            assertEquals(true, json.json().get("partial").asBoolean(), json.body());
            assertEquals(List.of("head line"), messages(json.json().get("events")));
            HttpJson.Response ndjson = ok(http.get("/api/builds/b7/logs?format=ndjson", ci));
            assertEquals("true", ndjson.header("X-Larch-Partial"));
            assertEquals("{\"larch\":\"partial\",\"partsSkipped\":1}", ndjson.body().lines().toList().getLast(),
                    "the body itself says it is not whole");
            assertTrue(ok(http.get("/api/builds/b7/logs?format=text", ci)).body()
                    .endsWith("# larch: partial: 1 damaged parts were skipped; some lines may be missing\n"));

            ingest(http, ci, List.of("{\"kind\":\"build\",\"buildId\":\"b7\",\"status\":\"failed\",\"message\":\"end\"}"));
            awaitMetric(http, "larch_build_logs_incomplete_total", 1.0);
            assertEquals(0, archiveFiles(server).length, "an incomplete build is not archived");
            HttpJson.Response gz = ok(http.get("/api/builds/b7/logs.ndjson.gz", ci));
            assertEquals("store", gz.header("X-Larch-Source"));
            assertTrue(gunzip(gz.raw().body()).endsWith("{\"larch\":\"partial\",\"partsSkipped\":1}\n"));
        }
    }

    private static HttpJson.Response ok(HttpJson.Response response) {
        assertEquals(200, response.status(), response.body());
        return response;
    }

    private static void check(HttpJson.Response response, int status, String errorPart) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.json().get("error").asText().contains(errorPart), response.body());
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + line, e);
        }
    }

    private static List<String> messages(Iterable<JsonNode> events) {
        List<String> messages = new ArrayList<>();
        events.forEach(e -> messages.add(e.get("message").asText()));
        return messages;
    }

    private static void assertIdsAscend(JsonNode events) {
        for (int i = 1; i < events.size(); i++) {
            String previous = events.get(i - 1).get("id").asText();
            String id = events.get(i).get("id").asText();
            assertTrue(previous.compareTo(id) < 0, "ids ascend: " + previous + " then " + id);
        }
    }

    private static String gunzip(byte[] gzip) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String[] archiveFiles(TestServer server) throws IOException {
        Path builds = server.dataDir().resolve("archive").resolve("builds");
        if (!Files.isDirectory(builds)) {
            return new String[0];
        }
        try (Stream<Path> files = Files.walk(builds)) {
            return files.filter(Files::isRegularFile).map(Path::toString).toArray(String[]::new);
        }
    }

    private static Path archivedObject(TestServer server, String buildId) throws Exception {
        Supplier<Path> find = () -> {
            try {
                return Stream.of(archiveFiles(server)).filter(f -> f.endsWith("/" + buildId + ".ndjson.gz")).findFirst()
                        .map(Path::of).orElse(null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (find.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Path object = find.get();
        assertNotEquals(null, object, "build " + buildId + " was archived");
        return object;
    }

    /** The download once it comes from {@code source} (the archiver writes in the background). */
    private static HttpJson.Response awaitSource(HttpJson http, String key, String path, String source) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            HttpJson.Response response = ok(http.get(path, key));
            if (source.equals(response.header("X-Larch-Source")) || System.nanoTime() > deadline) {
                assertEquals(source, response.header("X-Larch-Source"));
                return response;
            }
            Thread.sleep(20);
        }
    }

    private static void awaitMetric(HttpJson http, String name, double value) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (http.metric(name) != value && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(value, http.metric(name), name);
    }
}
