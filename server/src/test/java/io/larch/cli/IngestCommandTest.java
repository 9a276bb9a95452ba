package io.larch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code larch ingest} against a real server: what is sent is found by search with its level and stack. */
class IngestCommandTest {
    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = LarchCommand.create(config -> {
            throw new AssertionError("serve is not under test here");
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private static Map<String, JsonNode> byMessage(TestServer server, String key) {
        HttpJson.Response page = server.http().get("/api/log?limit=1000", key);
        assertEquals(200, page.status(), page.body());
        Map<String, JsonNode> events = new HashMap<>();
        page.json().get("events").forEach(e -> events.put(e.get("message").asText(), e));
        return events;
    }

    private static final String MIXED_LOG = """
            2026-11-21T10:00:00Z INFO  checkout started
            2026-11-21T10:00:01Z ERROR payment failed for order 7
            java.lang.IllegalStateException: card declined
            \tat shop.Payments.charge(Payments.java:42)
            \tat shop.Checkout.run(Checkout.java:7)
            Caused by: java.net.SocketTimeoutException: read timed out
            \tat java.base/java.net.Socket.read(Socket.java:1)
            \t... 2 more
            [warn] disk almost full
            level=debug msg="cache warmed"
            E/ActivityManager( 1234): ANR in com.example
            ERROR:root:import failed
            Traceback (most recent call last):
              File "import.py", line 3, in <module>
                main()
              File "import.py", line 2, in main
                raise ValueError("bad row 12")
            ValueError: bad row 12
            {"message":"json event","level":"warn","userId":"u-1","attrs":{"job":"nightly"}}
            <11>Nov 21 10:00:05 host app: syslog error line
            plain line without level
            """;

    /** Requests the server refused with 429, all limits together. */
    private static double rateLimited(TestServer server) {
        return server.http().get("/metrics", null).body().lines().filter(l -> l.startsWith("larch_rate_limited_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void sendsAFileWithJoinedStackTracesAndDetectedLevels() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            Path log = dir.resolve("app.log");
            Files.writeString(log, MIXED_LOG);
            Run ingest = run("ingest", log.toString(), "--server", server.http().base(), "--token", key,
                    "--source", "importer", "--batch", "3");
            assertEquals(0, ingest.exitCode(), ingest.err());
            assertEquals("ingested 9 events from 21 lines in 3 requests\n", ingest.out());

            Map<String, JsonNode> events = byMessage(server, key);
            assertEquals(9, events.size(), events.keySet().toString());
            JsonNode payment = events.get("2026-11-21T10:00:01Z ERROR payment failed for order 7");
            assertEquals("error", payment.get("level").asText());
            assertEquals("2026-11-21T10:00:01Z", payment.get("ts").asText());
            assertEquals("importer", payment.get("source").asText());
            assertEquals("""
                    java.lang.IllegalStateException: card declined
                    \tat shop.Payments.charge(Payments.java:42)
                    \tat shop.Checkout.run(Checkout.java:7)
                    Caused by: java.net.SocketTimeoutException: read timed out
                    \tat java.base/java.net.Socket.read(Socket.java:1)
                    \t... 2 more""", payment.get("stack").asText());
            JsonNode python = events.get("ERROR:root:import failed");
            assertEquals("error", python.get("level").asText());
            assertTrue(python.get("stack").asText().startsWith("Traceback (most recent call last):\n  File \"import.py\""));
            assertTrue(python.get("stack").asText().endsWith("\nValueError: bad row 12"), python.get("stack").asText());
            assertEquals("info", events.get("2026-11-21T10:00:00Z INFO  checkout started").get("level").asText());
            assertEquals("warn", events.get("[warn] disk almost full").get("level").asText());
            assertEquals("debug", events.get("level=debug msg=\"cache warmed\"").get("level").asText());
            assertEquals("error", events.get("E/ActivityManager( 1234): ANR in com.example").get("level").asText());
            assertEquals("error", events.get("<11>Nov 21 10:00:05 host app: syslog error line").get("level").asText());
            assertEquals("info", events.get("plain line without level").get("level").asText());
            JsonNode json = events.get("json event");
            assertEquals("warn", json.get("level").asText());
            assertEquals("u-1", json.get("userId").asText());
            assertEquals("nightly", json.get("attrs").get("job").asText());
            assertEquals("importer", json.get("source").asText());

            HttpJson.Response search = server.http().get("/api/log", key, Map.of("q", "SocketTimeoutException"));
            assertEquals(1, search.json().get("events").size(), "the joined stack is searchable: " + search.body());
        }
    }

    @Test
    void readsStandardInputAndBatchesLargeFiles() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 600; i++) {
                lines.append("WARN line ").append(i).append(' ').append("x".repeat(1000)).append('\n');
            }
            InputStream stdin = System.in;
            Run ingest;
            try {
                System.setIn(new ByteArrayInputStream(lines.toString().getBytes(StandardCharsets.UTF_8)));
                ingest = run("ingest", "-", "--server", server.http().base(), "--token", TestServer.ADMIN_TOKEN,
                        "--project", "shop", "--kind", "system");
            } finally {
                System.setIn(stdin);
            }
            assertEquals(0, ingest.exitCode(), ingest.err());
            // 250 events of ~1 KB fit in 500 KB: the count limit cuts first.
            assertEquals("ingested 600 events from 600 lines in 3 requests\n", ingest.out());
            Map<String, JsonNode> events = byMessage(server, key);
            assertEquals(600, events.size());
            JsonNode first = events.values().iterator().next();
            assertEquals("system", first.get("kind").asText());
            assertEquals("warn", first.get("level").asText());
        }
    }

    @Test
    void waitsOutA429AndSendsTheRest() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            HttpJson.Response limited = server.http().send(java.net.http.HttpRequest.newBuilder(server.http()
                    .uri("/admin/projects/shop/settings")).PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                    "{\"limits\":{\"requestsPerMinute\":60}}")).header("Content-Type", "application/json"),
                    TestServer.ADMIN_TOKEN);
            assertEquals(200, limited.status(), limited.body());
            Path log = dir.resolve("many.log");
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                lines.add("INFO line " + i);
            }
            Files.write(log, lines);
            Run ingest = run("ingest", log.toString(), "--server", server.http().base(), "--token", key, "--batch", "1");
            assertEquals(0, ingest.exitCode(), ingest.err());
            assertEquals("ingested 64 events from 64 lines in 64 requests\n", ingest.out());
            assertTrue(rateLimited(server) >= 1, "some requests were refused with 429 first");
            HttpJson.Response lifted;
            do { // the ingest spent the project's requests: this one may have to wait for the next token too
                Thread.sleep(200);
                lifted = server.http().send(java.net.http.HttpRequest.newBuilder(server.http()
                        .uri("/admin/projects/shop/settings")).PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"limits\":{\"requestsPerMinute\":-1}}")).header("Content-Type", "application/json"),
                        TestServer.ADMIN_TOKEN);
            } while (lifted.status() == 429);
            assertEquals(200, lifted.status(), lifted.body());
            assertEquals(64, byMessage(server, key).size());
        }
    }

    @Test
    void stopsWithTheServersMessageWhenABatchIsRefused() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            Path log = dir.resolve("bad.log");
            List<String> lines = new ArrayList<>();
            lines.add("INFO fine 1");
            lines.add("INFO fine 2");
            lines.add("{\"message\":\"loud one\",\"level\":\"loud\"}");
            Files.write(log, lines);
            Run refused = run("ingest", log.toString(), "--server", server.http().base(), "--token", key, "--batch", "2");
            assertEquals(1, refused.exitCode());
            assertEquals("larch: server answered 400: 1 of 1 events are invalid; nothing was stored; event 1 of the batch:"
                    + " level: unknown level 'loud'; use one of trace, debug, info, warn, error, fatal (lines 3-3; the lines"
                    + " before them are stored)\n", refused.err());
            assertEquals(2, byMessage(server, key).size(), "the batch before it is stored");

            Run wrongKey = run("ingest", log.toString(), "--server", server.http().base(), "--token", "lk_wrong");
            assertEquals(1, wrongKey.exitCode());
            assertTrue(wrongKey.err().startsWith("larch: server answered 401: "), wrongKey.err());

            Run missing = run("ingest", dir.resolve("nope.log").toString(), "--server", server.http().base(), "--token", key);
            assertEquals(2, missing.exitCode());
            assertEquals("larch: no such file: " + dir.resolve("nope.log") + "\n", missing.err());
            Run badBatch = run("ingest", log.toString(), "--server", server.http().base(), "--token", key, "--batch", "300");
            assertEquals(2, badBatch.exitCode());
            assertTrue(badBatch.err().contains("--batch must be from 1 to 250"), badBatch.err());
        }
    }

    @Test
    void withoutARunningServerItSaysHowToStartOne() throws Exception {
        Path log = dir.resolve("a.log");
        Files.writeString(log, "INFO x\n");
        Run ingest = run("ingest", log.toString(), "--data-dir", dir.resolve("data").toString());
        assertEquals(1, ingest.exitCode());
        assertTrue(ingest.err().contains("ingest sends to a running server"), ingest.err());
    }
}
