package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.loki4j.pkg.google.protobuf.Timestamp;
import com.github.loki4j.pkg.loki.protobuf.Push.EntryAdapter;
import com.github.loki4j.pkg.loki.protobuf.Push.LabelPairAdapter;
import com.github.loki4j.pkg.loki.protobuf.Push.PushRequest;
import com.github.loki4j.pkg.loki.protobuf.Push.StreamAdapter;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.xerial.snappy.Snappy;

/**
 * {@code POST /loki/api/v1/push} against a real server: loki4j's Logback appender ships through
 * its own JSON and protobuf senders (configured from logback XML, as its users do), and the
 * events are found by search with their level, source, ids and attrs; then the edge cases by
 * hand: gzip and snappy headers, bad bodies, keys, partial refusals, dropped labels, rate limits.
 * <p>
 * The server's tests log through slf4j-simple, so loki4j runs on a LoggerContext of its own made
 * here, never the SLF4J binding (surefire pins the SLF4J provider to slf4j-simple).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LokiPushApiTest {
    private static final String PUSH = "/loki/api/v1/push";
    private TestServer server;
    private HttpJson http;
    private String key;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        http = server.http();
        key = server.createProject("Shop");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** The logback XML the README gives, pointed at this server; {@code protobuf} switches loki4j's encoder. */
    private String logbackXml(String contextName, boolean protobuf) {
        return """
                <configuration>
                  <contextName>%s</contextName>
                  <appender name="LARCH" class="com.github.loki4j.logback.Loki4jAppender">
                    <http>
                      <url>%s/loki/api/v1/push</url>
                      <auth>
                        <username>larch</username>
                        <password>%s</password>
                      </auth>
                      <useProtobufApi>%s</useProtobufApi>
                    </http>
                    <labels>
                      app = ${CONTEXT_NAME}
                      host = ${HOSTNAME}
                      env = test
                    </labels>
                    <structuredMetadata>
                      level = %%level
                      logger = %%logger
                      thread = %%thread
                      * = %%%%mdc
                      * = %%%%kvp
                    </structuredMetadata>
                    <message>
                      <pattern>%%msg%%n%%ex</pattern>
                    </message>
                    <batch>
                      <timeoutMs>200</timeoutMs>
                    </batch>
                  </appender>
                  <root level="DEBUG">
                    <appender-ref ref="LARCH"/>
                  </root>
                </configuration>
                """.formatted(contextName, http.base(), key, protobuf);
    }

    /** The same, for {@code server}, retrying 429s after 100-200 ms. */
    private static String retryingLogbackXml(TestServer server, String key) {
        return """
                <configuration>
                  <contextName>retrying</contextName>
                  <appender name="LARCH" class="com.github.loki4j.logback.Loki4jAppender">
                    <http>
                      <url>%s/loki/api/v1/push</url>
                      <auth><username>larch</username><password>%s</password></auth>
                      <minRetryBackoffMs>100</minRetryBackoffMs>
                      <maxRetryBackoffMs>200</maxRetryBackoffMs>
                      <maxRetries>100</maxRetries>
                    </http>
                    <batch><timeoutMs>100</timeoutMs></batch>
                  </appender>
                  <root level="INFO"><appender-ref ref="LARCH"/></root>
                </configuration>
                """.formatted(server.http().base(), key);
    }

    /** A LoggerContext configured by Joran from {@code xml}; fails on any configuration error. */
    private static LoggerContext logback(String xml) throws JoranException {
        LoggerContext context = new LoggerContext();
        // What logback's SLF4J provider would do: it is not the binding here (see the class comment).
        context.setMDCAdapter(new LogbackMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        assertNoErrors(context);
        return context;
    }

    private static void assertNoErrors(LoggerContext context) {
        assertEquals(List.of(), errors(context), "logback or loki4j reported errors");
    }

    private static List<String> errors(LoggerContext context) {
        return context.getStatusManager().getCopyOfStatusList().stream()
                .filter(status -> status.getLevel() == Status.ERROR)
                .map(status -> status.getMessage() + (status.getThrowable() == null ? "" : ": " + status.getThrowable()))
                .toList();
    }

    private List<JsonNode> search(String query) {
        return searchIn(http, key, query);
    }

    private JsonNode only(String query) {
        List<JsonNode> found = search(query);
        assertEquals(1, found.size(), "events for " + query + ": " + found);
        return found.getFirst();
    }

    /** The server's count of Loki pushes read in {@code format}. */
    private double pushes(String format) {
        String prefix = "larch_loki_pushes_total{format=\"" + format + "\"";
        return http.get("/metrics", null).body().lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    /** Logs through loki4j, stops the context (which drains the appender's queue), and checks what search finds. */
    private void shipThroughLoki4j(String service, boolean protobuf) throws JoranException {
        String format = protobuf ? "protobuf" : "json";
        double pushesBefore = pushes(format);
        LoggerContext context = logback(logbackXml(service, protobuf));
        Logger checkout = context.getLogger("io.shop.Checkout");
        checkout.info("order {} placed", 1001);
        checkout.atWarn().addKeyValue("user_id", "u42").log("card expires soon for order {}", 1002);
        context.getMDCAdapter().put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
        checkout.atError().addKeyValue("user_id", "u42")
                .setCause(new IllegalStateException("gateway timeout")).log("payment failed for order {}", 1003);
        context.getMDCAdapter().remove("trace_id");
        context.getLogger("io.shop.Noise").trace("not logged: below the root level");
        context.stop();
        assertNoErrors(context);
        assertTrue(pushes(format) > pushesBefore, "loki4j sent " + format);

        JsonNode placed = only("source:" + service + " placed");
        assertEquals("info", placed.get("level").asText());
        assertEquals("order 1001 placed", placed.get("message").asText().strip());
        JsonNode attrs = placed.get("attrs");
        assertEquals("test", attrs.get("env").asText(), "a stream label");
        assertEquals("io.shop.Checkout", attrs.get("logger").asText(), "structured metadata");
        assertEquals(Thread.currentThread().getName(), attrs.get("thread").asText());
        assertTrue(attrs.has("host"), attrs.toString());
        assertNull(attrs.get("app"), "the label that became the source is not repeated");
        assertNull(attrs.get("level"), "the label that became the level is not repeated");
        long ts = Instant.parse(placed.get("ts").asText()).toEpochMilli();
        assertTrue(Math.abs(System.currentTimeMillis() - ts) < 60_000, "ts is the log call's time: " + placed);

        JsonNode warned = only("source:" + service + " expires");
        assertEquals("warn", warned.get("level").asText());
        assertEquals("u42", warned.get("userId").asText(), "user_id from logback's key-value pairs");

        JsonNode failed = only("source:" + service + " level:error");
        assertTrue(failed.get("message").asText().startsWith("payment failed for order 1003"), failed.toString());
        assertTrue(failed.get("message").asText().contains("java.lang.IllegalStateException: gateway timeout"), failed.toString());
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", failed.get("traceId").asText(), "trace_id from the MDC");
        assertEquals("u42", failed.get("userId").asText());
        assertEquals(3, search("source:" + service).size(), "three lines logged at debug or above, none twice");
        assertEquals(2, search("user:u42 source:" + service).size());
    }

    @Test
    void loki4jShipsWithItsJsonEncoderAndEventsAreFoundBySearch() throws JoranException {
        shipThroughLoki4j("shopjson", false);
    }

    @Test
    void loki4jShipsWithItsProtobufEncoderAndEventsAreFoundBySearch() throws JoranException {
        shipThroughLoki4j("shopprotobuf", true);
    }

    private HttpJson.Response push(String contentType, String encoding, byte[] body, String credential) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri(PUSH)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        return http.send(request, credential);
    }

    private HttpJson.Response pushJson(String json) {
        return push("application/json", null, json.getBytes(StandardCharsets.UTF_8), key);
    }

    private static String nanos(Instant at) {
        return Long.toString(at.getEpochSecond() * 1_000_000_000L + at.getNano());
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static PushRequest protobufPush(String labels, String line, Map<String, String> metadata) {
        Instant now = Instant.now();
        EntryAdapter.Builder entry = EntryAdapter.newBuilder().setLine(line)
                .setTimestamp(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
        metadata.forEach((name, value) -> entry.addStructuredMetadata(LabelPairAdapter.newBuilder().setName(name).setValue(value)));
        return PushRequest.newBuilder().addStreams(StreamAdapter.newBuilder().setLabels(labels).addEntries(entry)).build();
    }

    @Test
    void jsonWithStructuredMetadataGzipOrSnappyAndTheOtherLevelNamesIsMapped() throws IOException {
        String now = nanos(Instant.now());
        String body = """
                {"streams":[
                  {"stream":{"service_name":"billing","app":"ignored-for-source","detected_level":"warning","region":"eu"},
                   "values":[["%s","invoice 7 overdue",{"traceID":"t-77","order":"7"}],
                             ["%s","invoice 8 overdue",{"level":"crit"}]]},
                  {"stream":{"job":"cron","severity":"ERR"},"values":[["%s","nightly export broke"]]}
                ]}""".formatted(now, now, now);
        HttpJson.Response pushed = push("application/json", "gzip", gzip(body), key);
        assertEquals(204, pushed.status(), pushed.body());
        assertEquals("", pushed.body());

        JsonNode seven = only("invoice 7");
        assertEquals("warn", seven.get("level").asText(), "detected_level warning");
        assertEquals("billing", seven.get("source").asText(), "service_name before app");
        assertEquals("t-77", seven.get("traceId").asText());
        assertEquals("ignored-for-source", seven.get("attrs").get("app").asText(), "app stays an attr when not the source");
        assertEquals("eu", seven.get("attrs").get("region").asText());
        assertEquals("7", seven.get("attrs").get("order").asText());
        assertEquals(Instant.ofEpochMilli(Long.parseLong(now) / 1_000_000).toString(), seven.get("ts").asText());
        assertEquals("fatal", only("invoice 8").get("level").asText(), "metadata level beats the stream's detected_level");
        JsonNode nightly = only("nightly");
        assertEquals("error", nightly.get("level").asText());
        assertEquals("cron", nightly.get("source").asText());

        String snappied = "{\"streams\":[{\"stream\":{\"app\":\"snappy-json\"},\"values\":[[\"" + now + "\",\"snappy json line\"]]}]}";
        HttpJson.Response snappyJson = push("application/json", "snappy", Snappy.compress(snappied.getBytes(StandardCharsets.UTF_8)), key);
        assertEquals(204, snappyJson.status(), snappyJson.body());
        assertEquals("snappy-json", only("\"snappy json line\"").get("source").asText());
    }

    @Test
    void protobufIsTakenWithAndWithoutContentEncodingSnappyAndItsLabelsAreParsed() throws IOException {
        PushRequest quoted = protobufPush("{app=\"quotes\", note=\"say \\\"hi\\\"\\tthere\", path=\"C:\\dir\"}", "quoted labels",
                Map.of("user_id", "u-9"));
        HttpJson.Response plain = push("application/x-protobuf", null, Snappy.compress(quoted.toByteArray()), key);
        assertEquals(204, plain.status(), plain.body());
        JsonNode event = only("quoted labels");
        assertEquals("quotes", event.get("source").asText());
        assertEquals("say \"hi\"\tthere", event.get("attrs").get("note").asText());
        assertEquals("C:\\dir", event.get("attrs").get("path").asText(), "an unknown escape is kept as written");
        assertEquals("u-9", event.get("userId").asText());

        PushRequest headed = protobufPush("{app=\"headed\"}", "snappy header", Map.of());
        HttpJson.Response withHeader = push("application/x-protobuf", "snappy", Snappy.compress(headed.toByteArray()), key);
        assertEquals(204, withHeader.status(), withHeader.body());
        assertEquals("headed", only("snappy header").get("source").asText());
    }

    @Test
    void unreadableBodiesAre400NamingTheProblemAndStoreNothing() throws IOException {
        check(pushJson("{\"streams\":[{\"stream\":{\"app\":\"x\"},\"values\":[[\"1\",\"a\"]"), 400, "body is not valid JSON");
        check(pushJson("{\"events\":[]}"), 400, "body must be a Loki push");
        check(pushJson("{\"streams\":[{\"stream\":{\"app\":\"x\"},\"values\":[[\"yesterday\",\"never stored\"]]}]}"), 400,
                "streams[0].values[0][0]: bad timestamp \\\"yesterday\\\"");
        check(pushJson("{\"streams\":[{\"stream\":{\"app\":\"x\"},\"values\":[[\"1\"]]}]}"), 400,
                "streams[0].values[0] must be [");
        check(pushJson("{\"streams\":[{\"stream\":{\"app\":[1]},\"values\":[]}]}"), 400, "streams[0].stream.app must be a string");
        byte[] badLabels = Snappy.compress(protobufPush("{app=\"x\" level=\"y\"}", "never stored", Map.of()).toByteArray());
        check(push("application/x-protobuf", null, badLabels, key), 400,
                "streams[0].labels: bad label syntax at character 10 of {app=\\\"x\\\" level=\\\"y\\\"}: expected '}', found 'l'");
        byte[] unterminated = Snappy.compress(protobufPush("{app=\"x}", "never stored", Map.of()).toByteArray());
        check(push("application/x-protobuf", null, unterminated, key), 400, "unterminated quoted string");
        byte[] matcher = Snappy.compress(protobufPush("{app=~\"x\"}", "never stored", Map.of()).toByteArray());
        check(push("application/x-protobuf", null, matcher, key), 400, "matchers like != and =~ belong in queries");
        byte[] unsnappied = protobufPush("{app=\"x\"}", "never stored", Map.of()).toByteArray();
        check(push("application/x-protobuf", null, unsnappied, key), 400, "body is not snappy block-compressed");
        check(push("application/x-protobuf", null, Snappy.compress(new byte[] {(byte) 0x0a, (byte) 0x7f, 1, 2}), key), 400,
                "body is not a protobuf Loki PushRequest");
        check(push("application/json", "gzip", "not gzip".getBytes(StandardCharsets.UTF_8), key), 400, "not valid gzip");
        check(push("application/json", "br", "{}".getBytes(StandardCharsets.UTF_8), key), 415, "unsupported Content-Encoding");
        assertEquals(List.of(), search("never stored"));
    }

    private static void check(HttpJson.Response response, int status, String bodyPart) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.body().contains(bodyPart), "expected '" + bodyPart + "' in " + response.body());
    }

    @Test
    void aWrongKeyIs401AndAKeyWithoutTheIngestScopeIs403() {
        String body = "{\"streams\":[{\"stream\":{\"app\":\"auth\"},\"values\":[[\"" + nanos(Instant.now()) + "\",\"refused line\"]]}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        check(push("application/json", null, bytes, "larch_" + "x".repeat(43)), 401, "error");
        check(push("application/json", null, bytes, null), 401, "error");
        String wrongBasic = Base64.getEncoder().encodeToString("larch:not-the-key".getBytes(StandardCharsets.UTF_8));
        HttpJson.Response basic = http.send(HttpRequest.newBuilder(http.uri(PUSH)).header("Content-Type", "application/json")
                .header("Authorization", "Basic " + wrongBasic).POST(HttpRequest.BodyPublishers.ofByteArray(bytes)), null);
        assertEquals(401, basic.status(), basic.body());
        String readOnly = http.post("/admin/projects/shop/keys", TestServer.ADMIN_TOKEN, "{\"scopes\":[\"read\"]}").json()
                .get("key").asText();
        check(push("application/json", null, bytes, readOnly), 403, "lacks the 'ingest' scope");
        assertEquals(List.of(), search("refused line"));
        HttpJson.Response viaHeader = http.send(HttpRequest.newBuilder(http.uri(PUSH)).header("Content-Type", "application/json")
                .header("X-Api-Key", key).POST(HttpRequest.BodyPublishers.ofByteArray(
                        body.replace("refused line", "header line").getBytes(StandardCharsets.UTF_8))), null);
        assertEquals(204, viaHeader.status(), viaHeader.body());
        assertEquals(1, search("\"header line\"").size());
    }

    @Test
    void entriesTheValidatorRefusesAreCountedIn400WhileTheValidOnesAreStored() {
        String now = nanos(Instant.now());
        String nextWeek = nanos(Instant.now().plusSeconds(7 * 24 * 3600));
        String longLine = "partial too long " + "x".repeat(40 * 1024);
        String body = "{\"streams\":[{\"stream\":{\"app\":\"partial\"},\"values\":[[\"" + now + "\",\"partial kept one\"],"
                + "[\"" + now + "\",\"" + longLine + "\"],[\"" + nextWeek + "\",\"partial from the future\"],"
                + "[\"" + now + "\",\"partial kept two\"]]}]}";
        HttpJson.Response response = pushJson(body);
        assertEquals(400, response.status(), response.body());
        JsonNode error = response.json();
        assertTrue(error.get("error").asText().startsWith("2 of 4 entries were refused and not stored (the other 2 were stored"),
                error.toString());
        assertEquals("streams[0].values[1]", error.get("details").get(0).get("entry").asText());
        assertTrue(error.get("details").get(0).get("reason").asText().startsWith("message"), error.toString());
        assertEquals("streams[0].values[2]", error.get("details").get(1).get("entry").asText());
        assertTrue(error.get("details").get(1).get("reason").asText().contains("in the future"), error.toString());
        assertEquals(2, search("source:partial kept").size());
        assertEquals(List.of(), search("source:partial future"));
    }

    @Test
    void labelsBeyondTheAttrLimitsAreDroppedAndReported() {
        StringBuilder metadata = new StringBuilder("{\"long\":\"" + "v".repeat(5000) + "\",\"" + "k".repeat(200) + "\":\"x\"");
        for (int i = 0; i < 120; i++) {
            metadata.append(",\"m").append(i).append("\":\"").append(i).append('"');
        }
        metadata.append('}');
        String body = "{\"streams\":[{\"stream\":{\"app\":\"wide\"},\"values\":[[\"" + nanos(Instant.now())
                + "\",\"wide line\"," + metadata + "]]}]}";
        HttpJson.Response response = pushJson(body);
        assertEquals(204, response.status(), response.body());
        // 122 metadata pairs: 2 over the size limits, then 99 of the 120 kept (one place holds the note).
        assertEquals("23", response.header("X-Larch-Dropped-Labels"));
        JsonNode attrs = only("wide line").get("attrs");
        assertEquals(100, attrs.size(), attrs.toString());
        assertEquals("0", attrs.get("m0").asText());
        assertEquals("98", attrs.get("m98").asText());
        assertNull(attrs.get("m99"));
        String note = attrs.get("larch_dropped_labels").asText();
        assertTrue(note.startsWith("long," + "k".repeat(64) + "...,m99,m100"), note);
        assertTrue(note.endsWith(",m119"), note);
    }

    @Test
    void aPushOfTooManyEntriesIs413BeforeAnyEventIsBuilt() throws IOException {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i <= io.larch.ingest.IngestLimits.MAX_PROTOCOL_RECORDS; i++) {
            values.append(i == 0 ? "" : ",").append("[\"1796205600000000000\",\"\"]");
        }
        HttpJson.Response json = pushJson("{\"streams\":[{\"stream\":{\"app\":\"many\"},\"values\":[" + values + "]}]}");
        assertEquals(413, json.status(), json.body());
        assertTrue(json.body().contains("lower the shipper's batch size"), json.body());
    }

    @Test
    void anEmptyPushIs204() throws IOException {
        assertEquals(204, pushJson("{\"streams\":[]}").status());
        assertEquals(204, pushJson("{\"streams\":[{\"stream\":{\"app\":\"x\"},\"values\":[]}]}").status());
        assertEquals(204, push("application/x-protobuf", null, Snappy.compress(new byte[0]), key).status());
    }

    @Test
    void aProjectOverItsEventRateGets429WithRetryAfter(@TempDir Path dataDir) {
        MutableClock clock = MutableClock.at("2026-12-02T10:00:00Z");
        try (TestServer limited = TestServer.start(dataDir, Map.of("LARCH_RATE_PROJECT_EVENTS_PER_MIN", "3"), clock)) {
            String limitedKey = limited.createProject("Limited");
            String at = nanos(clock.instant());
            String body = "{\"streams\":[{\"stream\":{\"app\":\"rate\"},\"values\":[[\"" + at + "\",\"one\"],[\"" + at
                    + "\",\"two\"]]}]}";
            HttpRequest.Builder request = HttpRequest.newBuilder(limited.http().uri(PUSH)).header("Content-Type", "application/json");
            assertEquals(204, limited.http().send(request.copy().POST(HttpRequest.BodyPublishers.ofString(body)), limitedKey).status());
            HttpJson.Response refused = limited.http().send(request.copy().POST(HttpRequest.BodyPublishers.ofString(body)), limitedKey);
            assertEquals(429, refused.status(), refused.body());
            assertTrue(Integer.parseInt(refused.header("Retry-After")) >= 1, "loki4j, Promtail and Alloy retry 429 after a pause");
        }
    }

    @Test
    void loki4jRetriesA429AfterRetryAfterAndNothingIsLost(@TempDir Path dataDir) throws Exception {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestServer limited = TestServer.start(dataDir, Map.of("LARCH_RATE_PROJECT_EVENTS_PER_MIN", "3"), clock)) {
            String limitedKey = limited.createProject("Limited");
            HttpJson limitedHttp = limited.http();
            String at = nanos(clock.instant());
            String three = "{\"streams\":[{\"stream\":{\"app\":\"hand\"},\"values\":[[\"" + at + "\",\"a\"],[\"" + at
                    + "\",\"b\"],[\"" + at + "\",\"c\"]]}]}";
            assertEquals(204, limitedHttp.post(PUSH, limitedKey, three).status(), "the minute's budget is spent");
            LoggerContext context = logback(retryingLogbackXml(limited, limitedKey));
            try {
                context.getLogger("io.shop.Retry").info("retried line one");
                context.getLogger("io.shop.Retry").info("retried line two");
                awaitTrue(() -> rateLimited(limitedHttp) > 0, "loki4j's push was refused with 429");
                clock.advance(java.time.Duration.ofMinutes(1));
                awaitTrue(() -> searchIn(limitedHttp, limitedKey, "source:retrying retried").size() == 2,
                        "loki4j's retry stored both lines");
            } finally {
                context.stop();
            }
            List<String> errors = errors(context);
            assertTrue(!errors.isEmpty() && errors.stream().allMatch(e -> e.contains("non-success status 429")),
                    "loki4j reports only the 429s it retried: " + errors);
            assertEquals(2, searchIn(limitedHttp, limitedKey, "source:retrying retried").size(), "stored once each");
        }
    }

    private static double rateLimited(HttpJson http) {
        return http.get("/metrics", null).body().lines().filter(line -> line.startsWith("larch_rate_limited_total"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static List<JsonNode> searchIn(HttpJson http, String key, String query) {
        JsonNode page = http.get("/api/log?limit=100&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8), key).json();
        List<JsonNode> events = new ArrayList<>();
        page.get("events").forEach(events::add);
        return events;
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void aPushLargerThanANativeBatchIsStoredWhole() {
        String at = nanos(Instant.now());
        StringBuilder body = new StringBuilder("{\"streams\":[{\"stream\":{\"app\":\"bigpush\"},\"values\":[");
        String padding = "p".repeat(900);
        for (int i = 0; i < 1200; i++) {
            body.append(i == 0 ? "" : ",").append("[\"").append(at).append("\",\"bigpush n").append(i).append(' ')
                    .append(padding).append("\"]");
        }
        body.append("]}]}");
        assertTrue(body.length() > 1024 * 1024, "over a megabyte, twice the native limit");
        HttpJson.Response response = pushJson(body.toString());
        assertEquals(204, response.status(), response.body());
        assertEquals(1, search("bigpush n0").size());
        assertEquals(1, search("bigpush n1199").size());
        assertEquals(1000, http.get("/api/log?limit=1000&q=source:bigpush", key).json().get("events").size());
    }

    @Test
    void aBodyThatUncompressesPastTheLimitIs413() throws IOException {
        byte[] bomb = Snappy.compress(new byte[17 * 1024 * 1024]);
        assertTrue(bomb.length < 1024 * 1024, "a small body on the wire");
        check(push("application/x-protobuf", null, bomb, key), 413, "send smaller batches");
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write(new byte[17 * 1024 * 1024]);
        }
        check(push("application/json", "gzip", zipped.toByteArray(), key), 413, "body is larger than");
    }
}
