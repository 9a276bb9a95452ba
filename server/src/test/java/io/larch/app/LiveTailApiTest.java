package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.model.EventId;
import io.larch.testing.HttpJson;
import io.larch.testing.SseClient;
import io.larch.testing.TestServer;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/log/stream}: live events, resume, caps and credentials, through a real server. */
class LiveTailApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);

    static String key(HttpJson http, String slug, String scopes) {
        JsonNode created = http.post("/admin/projects/" + slug + "/keys", ADMIN, "{\"scopes\":[" + scopes + "]}").json();
        return created.get("key").asText();
    }

    static String project(HttpJson http, String slug) {
        return http.post("/admin/projects", ADMIN, "{\"name\":\"" + slug + "\",\"slug\":\"" + slug + "\"}").json()
                .get("key").asText();
    }

    static SseClient stream(HttpJson http, String pathAndQuery, String credential, String lastEventId) {
        return SseClient.open(http.uri(pathAndQuery), credential,
                lastEventId == null ? Map.of() : Map.of("Last-Event-ID", lastEventId));
    }

    static void ingest(HttpJson http, String key, String eventsJson) {
        HttpJson.Response response = http.post("/api/log", key, "{\"events\":[" + eventsJson + "]}");
        assertEquals(202, response.status(), response.body());
    }

    /** Every stored event id of the project in stored order, read with after= pages. */
    static List<String> storedIds(HttpJson http, String key, String query) {
        List<String> ids = new ArrayList<>();
        String after = EventId.format(0);
        while (true) {
            HttpJson.Response page = http.get("/api/log?limit=1000&after=" + after
                    + (query == null ? "" : "&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8)), key);
            assertEquals(200, page.status(), page.body());
            page.json().get("events").forEach(e -> ids.add(e.get("id").asText()));
            after = page.json().get("last").asText();
            if (!page.json().get("more").asBoolean()) {
                return ids;
            }
        }
    }

    @Test
    void eventsArriveAsStoredAndAResumeAtRandomPointsGetsExactlyTheMissedOnes(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            List<String> received = new ArrayList<>();
            SseClient client = stream(http, "/api/log/stream?project=shop", readKey, null);
            assertEquals(200, client.status());
            assertTrue(client.header("Content-Type").startsWith("text/event-stream"), client.header("Content-Type"));
            assertEquals("no-cache, no-transform", client.header("Cache-Control"));
            assertEquals("no", client.header("X-Accel-Buffering"));

            // Four writers at once, so batches become durable out of id order; a seal half-way.
            int writers = 4;
            int batches = 25;
            int perBatch = 20;
            AtomicBoolean failed = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int b = 0; b < batches; b++) {
                        StringBuilder events = new StringBuilder();
                        for (int i = 0; i < perBatch; i++) {
                            events.append(i == 0 ? "" : ",").append("{\"message\":\"w").append(writer).append(" b")
                                    .append(b).append(" e").append(i).append("\"}");
                        }
                        if (http.post("/api/log", ingestKey, "{\"events\":[" + events + "]}").status() != 202) {
                            failed.set(true);
                        }
                        if (writer == 0 && b == batches / 2) {
                            server.sealNow();
                        }
                    }
                }));
            }
            int total = writers * batches * perBatch;
            Random random = new Random(7);
            int reconnects = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (received.size() < total && System.nanoTime() < deadline) {
                SseClient.Frame frame = client.next("log", Duration.ofSeconds(2));
                if (frame == null) {
                    continue;
                }
                received.add(frame.id());
                if (random.nextInt(60) == 0) {
                    // The network goes away; the client comes back with the last id it has.
                    client.close();
                    client = stream(http, "/api/log/stream?project=shop", readKey, received.getLast());
                    assertEquals(200, client.status());
                    reconnects++;
                }
            }
            for (Thread thread : threads) {
                thread.join();
            }
            client.close();
            assertTrue(!failed.get(), "every batch was accepted");
            assertTrue(reconnects >= 3, "the test reconnected " + reconnects + " times");
            List<String> stored = storedIds(http, readKey, null);
            assertEquals(total, stored.size());
            assertEquals(stored, received, "the stream, across " + reconnects + " reconnects, is every stored event once, in order");

            // Everything is sealed now: a resume from an early event reads the parts.
            server.sealNow();
            String early = stored.get(37);
            try (SseClient resumed = stream(http, "/api/log/stream?project=shop", readKey, early)) {
                List<String> again = resumed.logEvents(total - 38, WAIT).stream().map(SseClient.Frame::id).toList();
                assertEquals(stored.subList(38, total), again, "a resume from sealed parts has no gap and no duplicate");
            }
        }
    }

    @Test
    void ndjsonStreamsOneEventPerLine(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            ingest(http, ingestKey, "{\"message\":\"first\"},{\"message\":\"second\"},{\"message\":\"third\"}");
            String first = storedIds(http, readKey, null).getFirst();
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpResponse<java.util.stream.Stream<String>> response = client.send(HttpRequest.newBuilder(
                            http.uri("/api/log/stream?project=shop&format=ndjson&lastEventId=" + first))
                    .header("Authorization", "Bearer " + readKey).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, response.statusCode());
            assertEquals("application/x-ndjson", response.headers().firstValue("Content-Type").orElseThrow());
            List<String> messages = response.body().filter(line -> !line.isEmpty()).limit(2)
                    .map(line -> read(line).get("message").asText()).toList();
            assertEquals(List.of("second", "third"), messages);
        }
    }

    @Test
    void filtersAgreeWithSearch(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_RATE_WORK_LOG_PER_USER_PER_MIN", "0"),
                Clock.systemUTC())) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            List<String> queries = io.larch.testing.RandomCorpus.typedQueries();
            List<SseClient> streams = new ArrayList<>();
            for (String query : queries) {
                SseClient stream = stream(http, "/api/log/stream?project=shop&q="
                        + URLEncoder.encode(query, StandardCharsets.UTF_8), readKey, null);
                assertEquals(200, stream.status(), query);
                streams.add(stream);
            }
            io.larch.testing.RandomCorpus corpus = new io.larch.testing.RandomCorpus(11);
            for (int batch = 0; batch < 6; batch++) {
                StringBuilder events = new StringBuilder();
                for (int i = 0; i < 100; i++) {
                    events.append(i == 0 ? "" : ",").append(IngestJson.of(corpus.event(batch * 100 + i,
                            corpus.nextInt(4) == 0 ? io.larch.model.Kind.WORK : io.larch.model.Kind.APP)));
                }
                ingest(http, ingestKey, events.toString());
                if (batch == 3) {
                    server.sealNow();
                }
            }
            List<String> disagreements = new ArrayList<>();
            for (int i = 0; i < queries.size(); i++) {
                List<String> expected = storedIds(http, readKey, queries.get(i));
                List<String> streamed = streams.get(i).logEvents(expected.size(), Duration.ofSeconds(10)).stream()
                        .map(SseClient.Frame::id).toList();
                // Nothing more may come: wait a moment for strays.
                SseClient.Frame extra = streams.get(i).next("log", Duration.ofMillis(expected.isEmpty() ? 300 : 50));
                if (!expected.equals(streamed) || extra != null) {
                    disagreements.add(queries.get(i) + ": search " + expected.size() + ", stream " + streamed.size()
                            + (extra != null ? " and more: " + extra.data() : "") + (expected.equals(streamed) ? ""
                            : " (search " + expected + ", stream " + streamed + ")"));
                }
                streams.get(i).close();
            }
            assertTrue(disagreements.isEmpty(), "stream and search disagree: " + disagreements);
        }
    }

    @Test
    void theConnectionPastTheCapGets429AndAClosedOneFreesItsSlot(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_MAX_SSE_CONNECTIONS", "50"), Clock.systemUTC())) {
            HttpJson http = server.http();
            project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            List<SseClient> open = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                SseClient client = stream(http, "/api/log/stream?project=shop", readKey, null);
                assertEquals(200, client.status(), "stream " + (i + 1));
                open.add(client);
            }
            SseClient refused = stream(http, "/api/log/stream?project=shop", readKey, null);
            assertEquals(429, refused.status());
            assertNotNull(refused.header("Retry-After"));
            assertTrue(refused.errorBody().contains("LARCH_MAX_SSE_CONNECTIONS"), refused.errorBody());
            assertEquals(1.0, http.metric("larch_tail_streams_refused_total"));
            open.removeFirst().close();
            // The server notices the hang-up in the kernel's socket table within about a second.
            SseClient again = null;
            for (int attempt = 0; attempt < 50; attempt++) {
                again = stream(http, "/api/log/stream?project=shop", readKey, null);
                if (again.status() == 200) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(200, again.status(), "a closed stream gives its slot back");
            again.close();
            open.forEach(SseClient::close);
        }
    }

    /** Ingests {@code batches} batches of 30 events of 16 KB; returns the time it took. */
    private static Duration ingestLarge(HttpJson http, String key, int batches, int from) {
        String filler = "x".repeat(16 * 1024);
        long started = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            StringBuilder events = new StringBuilder();
            for (int i = 0; i < 30; i++) {
                events.append(i == 0 ? "" : ",").append("{\"message\":\"big ").append(from + b).append('-').append(i)
                        .append(' ').append(filler).append("\"}");
            }
            ingest(http, key, events.toString());
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    @Test
    void aClientThatStopsReadingIsDroppedWhileItsNeighbourGetsEverythingAndIngestGoesOn(@TempDir Path dataDir)
            throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            int batches = 120;
            Duration alone = ingestLarge(http, ingestKey, batches, 0);
            // A client that sends its request and never reads: its socket fills, then its queue.
            try (java.net.Socket stuck = new java.net.Socket()) {
                stuck.setReceiveBufferSize(4096);
                stuck.connect(new java.net.InetSocketAddress("127.0.0.1", server.larch().port()));
                stuck.getOutputStream().write(("GET /api/log/stream?project=shop HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + readKey + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                stuck.getOutputStream().flush();
                SseClient reading = stream(http, "/api/log/stream?project=shop", readKey, null);
                assertEquals(200, reading.status());
                Thread.sleep(200);
                int[] received = new int[1];
                Thread reader = Thread.ofVirtual().start(() -> {
                    try {
                        received[0] = reading.logEvents(batches * 30, Duration.ofSeconds(60)).size();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                Duration withStuck = ingestLarge(http, ingestKey, batches, batches);
                reader.join();
                assertEquals(batches * 30, received[0], "the client beside it received every event");
                // Ingest never waits on a stream: the same batches take about as long (a loose bound for a busy machine).
                assertTrue(withStuck.toMillis() < alone.toMillis() * 3 + 2000,
                        "ingest with a stuck client took " + withStuck.toMillis() + " ms, alone " + alone.toMillis() + " ms");
                // Strikes are counted once a second: while events keep coming, three seconds of drops
                // end the stuck stream, and its connection is cut since its writer never comes back.
                int more = 0;
                while (http.metric("larch_sse_connections{stream=\"log\"}") > 1.0 && more < 60) {
                    ingestLarge(http, ingestKey, 2, 2 * batches + more);
                    more += 2;
                    Thread.sleep(200);
                }
                assertEquals(1.0, http.metric("larch_tail_streams_ended_total{reason=\"too_slow\"}"));
                assertEquals(1.0, http.metric("larch_sse_connections{stream=\"log\"}"), "the stuck stream is gone");
                assertTrue(http.metric("larch_tail_dropped_events_total{reason=\"slow_client\"}") > 0);
                reading.close();
            }
        }
    }

    @Test
    void everyStreamOfOneKeyResumesAtOnceWithoutTakingItsQuerySlots(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            for (int batch = 0; batch < 16; batch++) {
                StringBuilder events = new StringBuilder();
                for (int i = 0; i < 250; i++) {
                    events.append(i == 0 ? "" : ",").append("{\"message\":\"line ").append(batch).append('-').append(i)
                            .append("\"}");
                }
                ingest(http, ingestKey, events.toString());
            }
            String first = storedIds(http, readKey, null).getFirst();
            // A restart makes a dashboard's streams (one key, more than its 4 query slots) resume together.
            // (With catch-up reads in the key's slots this still passed here: pages are quick; it checks
            // that concurrent resumes each get every event, not the slot exhaustion itself.)
            List<SseClient> streams = new ArrayList<>();
            List<Thread> openers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                openers.add(Thread.ofVirtual().start(() -> {
                    SseClient client = stream(http, "/api/log/stream?project=shop", readKey, first);
                    synchronized (streams) {
                        streams.add(client);
                    }
                }));
            }
            for (Thread opener : openers) {
                opener.join();
            }
            for (SseClient client : streams) {
                assertEquals(200, client.status());
                assertEquals(3999, client.logEvents(3999, WAIT).size(), "every stream caught up: " + client.drain());
                client.close();
            }
        }
    }

    @Test
    void aResumeAcrossADamagedPartSaysSo(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String ingestKey = project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            ingest(http, ingestKey, "{\"message\":\"sealed one\"},{\"message\":\"sealed two\"}");
            server.sealNow();
            List<Path> parts;
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dataDir.resolve("parts"))) {
                parts = files.filter(f -> f.toString().endsWith(".parquet") && !f.toString().endsWith(".rollup.parquet"))
                        .toList();
            }
            assertEquals(1, parts.size(), parts.toString());
            byte[] bytes = java.nio.file.Files.readAllBytes(parts.getFirst());
            bytes[bytes.length / 2] ^= 0x10;
            java.nio.file.Files.write(parts.getFirst(), bytes);
            server.sealNow(); // its scrub finds the damage and quarantines the part
            ingest(http, ingestKey, "{\"message\":\"in the head\"}");
            try (SseClient client = stream(http, "/api/log/stream?project=shop", readKey, EventId.format(0))) {
                SseClient.Frame partial = client.next("partial", WAIT);
                assertNotNull(partial, "the stream says it is missing what the damaged part held");
                assertEquals(1, read(partial.data()).get("partsSkipped").asInt());
                List<String> messages = client.logEvents(1, WAIT).stream().map(f -> read(f.data()).get("message").asText())
                        .toList();
                assertEquals(List.of("in the head"), messages);
            }
        }
    }

    @Test
    void aRevokedKeyEndsItsOpenStreams(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            try (SseClient client = stream(http, "/api/log/stream?project=shop", readKey, null)) {
                assertEquals(200, client.status());
                HttpJson.Response revoked = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/shop/keys/"
                        + readKey.substring(0, 14))).DELETE(), ADMIN);
                assertEquals(204, revoked.status(), revoked.body());
                SseClient.Frame end = client.next("end", Duration.ofSeconds(5));
                assertNotNull(end, "the stream ended at once");
                assertEquals("credential", read(end.data()).get("reason").asText());
            }
        }
    }

    @Test
    void badRequestsAreRefusedBeforeTheStreamStarts(@TempDir Path dataDir) throws Exception {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            project(http, "shop");
            String readKey = key(http, "shop", "\"read\"");
            for (String bad : List.of("q=%22unclosed", "format=xml", "level=loud", "lastEventId=nope")) {
                try (SseClient client = stream(http, "/api/log/stream?project=shop&" + bad, readKey, null)) {
                    assertEquals(400, client.status(), bad);
                    assertTrue(client.errorBody().contains("\"error\""), bad);
                }
            }
            try (SseClient client = stream(http, "/api/log/stream?project=shop", readKey, "zzzz")) {
                assertEquals(400, client.status());
                assertTrue(client.errorBody().contains("Last-Event-ID"), client.errorBody());
            }
        }
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
