package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Thousands of generated requests over every route and parameter, most of them hostile: extreme
 * and overflowing numbers, durations and dates, forged and truncated cursors, deep nesting,
 * 10,000-term queries, invalid UTF-8, NUL and control characters, broken bodies. Each must get a
 * 4xx with a JSON error saying what was wrong, or a correct answer; never a 5xx; and the server
 * must be healthy afterwards.
 */
class HostileInputApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRIES = 10_000;
    private static Path dataDir;
    private static TestServer server;
    private static String key;
    /** A key of a project that checks signatures when sent (optional signing). */
    private static String signedKey;
    private static String viewerToken;
    private static final AtomicInteger SENT = new AtomicInteger();

    @BeforeContainer
    static void start() throws IOException {
        dataDir = Files.createTempDirectory("larch-hostile");
        server = TestServer.start(dataDir);
        key = server.http().post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"Shop\",\"slug\":\"shop\"}").json()
                .get("key").asText();
        signedKey = server.http().post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"Signed\",\"slug\":\"signed\"}")
                .json().get("key").asText();
        server.http().post("/admin/projects/signed/signing-secret", TestServer.ADMIN_TOKEN, "");
        assertEquals(200, server.http().send(HttpRequest.newBuilder(server.http().uri("/admin/projects/signed/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"signing\":\"optional\"}")), TestServer.ADMIN_TOKEN).status());
        viewerToken = server.http().post("/api/tokens", key, "{\"userId\":\"u1\"}").json().get("token").asText();
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            batch.append("{\"message\":\"order ").append(i).append(" failed: card declined\",\"level\":\"")
                    .append(i % 3 == 0 ? "error" : "info").append("\",\"attrs\":{\"n\":\"").append(i).append("\"}}\n");
        }
        assertEquals(202, server.http().post("/api/log", key, "application/x-ndjson",
                batch.toString().getBytes(StandardCharsets.UTF_8)).status());
        server.sealNow();
        assertEquals(202, server.http().post("/api/log", key, "{\"message\":\"in the head\"}").status());
    }

    @AfterContainer
    static void stop() throws IOException {
        try {
            HttpJson http = server.http();
            assertTrue(SENT.get() >= TRIES, "requests sent: " + SENT.get());
            assertEquals(200, http.get("/readyz", null).status(), "healthy after the storm");
            HttpJson.Response search = http.get("/api/log", key, Map.of("q", "declined", "limit", "5"));
            assertEquals(200, search.status(), search.body());
            assertEquals(5, search.json().get("events").size(), "still answers correctly");
            assertEquals(202, http.post("/api/log", key, "{\"message\":\"after the storm\"}").status());
        } finally {
            server.close();
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** A request to send; parameter values are sent percent-encoded unless {@code preEncoded}. */
    record ApiRequest(String method, String path, Map<String, Value> params, String contentType, byte[] body,
                      String credential, Map<String, String> headers) {
        ApiRequest(String method, String path, Map<String, Value> params, String contentType, byte[] body, String credential) {
            this(method, path, params, contentType, body, credential, Map.of());
        }

        @Override
        public String toString() {
            return method + " " + uri() + (body == null ? "" : " body " + new String(body, StandardCharsets.UTF_8)
                    .substring(0, Math.min(300, body.length))) + " as " + credential + " with " + headers;
        }

        String uri() {
            StringBuilder uri = new StringBuilder(path);
            char separator = '?';
            for (Map.Entry<String, Value> param : params.entrySet()) {
                uri.append(separator).append(param.getKey()).append('=').append(param.getValue().encoded());
                separator = '&';
            }
            return uri.toString();
        }
    }

    record Value(String text, boolean preEncoded) {
        String encoded() {
            return preEncoded ? text : URLEncoder.encode(text, StandardCharsets.UTF_8);
        }
    }

    // A fixed seed keeps CI repeatable; change it (or drop it locally) to explore other requests.
    @Property(tries = TRIES, seed = "20261202")
    void everyRequestIsAnsweredOrRefusedWithAJsonErrorNeverA5xx(@ForAll("requests") ApiRequest request) {
        SENT.incrementAndGet();
        HttpRequest.Builder builder = HttpRequest.newBuilder(server.http().uri(request.uri()));
        HttpRequest.BodyPublisher body = request.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(request.body());
        builder.method(request.method(), body);
        if (request.contentType() != null) {
            builder.header("Content-Type", request.contentType());
        }
        request.headers().forEach(builder::header);
        String token = switch (request.credential()) {
            case "key" -> key;
            case "signed" -> signedKey;
            case "viewer" -> viewerToken;
            case "tampered viewer" -> viewerToken.substring(0, viewerToken.length() - 3) + "abc";
            case "admin" -> TestServer.ADMIN_TOKEN;
            case "none" -> null;
            default -> request.credential();
        };
        HttpJson.Response response = send(builder, token, request);
        assertTrue(response.status() < 500, () -> response.status() + " for " + request + ": " + response.body());
        if (response.status() >= 400) {
            JsonNode error = parse(response.body(), request);
            assertTrue(error.hasNonNull("error") && !error.get("error").asText().isBlank(),
                    () -> "no error message for " + request + ": " + response.body());
        } else if (!request.path().equals("/metrics")) {
            parse(response.body(), request);
        }
    }

    private static HttpJson.Response send(HttpRequest.Builder builder, String token, ApiRequest request) {
        try {
            return server.http().send(builder, token);
        } catch (UncheckedIOException connectionClosed) {
            // The server may close a connection after refusing a request; the client can then
            // find its next request's pooled connection gone. Once more on a new connection.
            try {
                return new HttpJson(server.http().base()).send(builder, token);
            } catch (UncheckedIOException e) {
                throw new AssertionError("no answer for " + request, e);
            }
        }
    }

    private static JsonNode parse(String body, ApiRequest request) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON for " + request + ": " + body, e);
        }
    }

    /** Inputs that once answered 500 (overflow) or ran the heap out, and what they answer now. */
    @Example
    void overflowingTimesAndIntervalsAreClearRefusals() {
        checkRefused("/api/log", Map.of("from", "-999999999999999d"), "from: '-999999999999999d' is outside the years 0000 to 9999");
        checkRefused("/api/log", Map.of("from", "+999999999-12-31"), "from: '+999999999-12-31' is outside the years 0000 to 9999");
        checkRefused("/api/log", Map.of("to", "+999999999-12-31T00:00:00Z"),
                "to: '+999999999-12-31T00:00:00Z' is outside the years 0000 to 9999");
        checkRefused("/api/log/histogram", Map.of("interval", "9999999999999999d"),
                "interval: expected a duration like 30s, 1m, 5m, 1h or 1d, got '9999999999999999d'");
        checkRefused("/api/log/histogram", Map.of("from", "-200000000-01-01", "to", "+200000000-01-01"),
                "from: '-200000000-01-01' is outside the years 0000 to 9999");
        checkRefused("/api/log/histogram", Map.of("from", "0000-01-01", "to", "9999-12-31", "interval", "1ms"),
                "interval: 1 ms makes more than 10000 buckets over this range; choose a larger interval or a shorter range");
        HttpJson.Response ingest = server.http().post("/api/log", key, "{\"message\":\"m\",\"ts\":\"+999999999-12-31T23:59:59Z\"}");
        assertEquals(400, ingest.status(), ingest.body());
        assertTrue(ingest.body().contains("ts is more than 24 hours in the future"), ingest.body());
    }

    private static void checkRefused(String path, Map<String, String> params, String error) {
        HttpJson.Response response = server.http().get(path, key, params);
        assertEquals(400, response.status(), response.body());
        assertEquals(error, parse(response.body(), null).get("error").asText());
    }

    @Provide
    Arbitrary<ApiRequest> requests() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, reads("/api/log")),
                Tuple.of(3, reads("/api/log/histogram")),
                Tuple.of(3, reads("/api/log/top")),
                Tuple.of(3, reads("/api/log/stats")),
                Tuple.of(5, ingests()),
                Tuple.of(2, admin()),
                Tuple.of(3, workLogs()),
                Tuple.of(2, workLogWrites()),
                Tuple.of(2, tokens()),
                Tuple.of(2, settings()),
                Tuple.of(1, Combinators.combine(Arbitraries.of("/healthz", "/readyz", "/metrics", "/config",
                        "/nowhere", "/api", "/api/log/", "/%FF", "/api/log%00"), credentials())
                        .as((path, credential) -> new ApiRequest("GET", path, Map.of(), null, null, credential))));
    }

    private Arbitrary<ApiRequest> reads(String path) {
        Arbitrary<Map<String, Value>> params = Arbitraries.maps(Arbitraries.of("q", "from", "to", "kind", "level", "limit",
                "cursor", "after", "interval", "field", "project", "unknown"), values()).ofMaxSize(6);
        return Combinators.combine(params, credentials())
                .as((p, credential) -> new ApiRequest("GET", path, p, null, null, credential));
    }

    private Arbitrary<String> credentials() {
        return Arbitraries.frequency(Tuple.of(8, "key"), Tuple.of(3, "admin"),
                Tuple.of(1, "none"), Tuple.of(1, "larch_" + "x".repeat(43)),
                Tuple.of(1, "larch_"), Tuple.of(1, "larchadmin_wrong"), Tuple.of(2, "viewer"),
                Tuple.of(1, "tampered viewer"), Tuple.of(1, "larchvt_"), Tuple.of(1, "larchvt_e30.AAAA"),
                Tuple.of(1, "larchvt_" + "A".repeat(3000)), Tuple.of(1, "signed"));
    }

    private Arbitrary<ApiRequest> workLogs() {
        Arbitrary<Map<String, Value>> params = Arbitraries.maps(Arbitraries.of("userId", "conversationId", "limit",
                "cursor", "after", "project", "from", "to"), values()).ofMaxSize(4);
        return Combinators.combine(params, Arbitraries.of("/api/work-log/list", "/api/work-log/stats"), credentials())
                .as((p, path, credential) -> new ApiRequest("GET", path, p, null, null, credential));
    }

    private Arbitrary<ApiRequest> workLogWrites() {
        Arbitrary<String> field = Arbitraries.of("userId", "conversationId", "logType", "status", "message", "metadata",
                "entryId", "extra");
        Arbitrary<String> fieldValue = Arbitraries.of("\"u1\"", "\"\"", "null", "5", "true", "[]", "{}", "\"tool_call\"",
                "\"working\"", "\"success\"", "\"" + "u".repeat(300) + "\"", "\"a\\u0000b\"", "1e400", "-0",
                "{\"a\":1}", "{\"logType\":\"x\"}", "{\"a\":{\"b\":[1]}}", "{\"n\":1e400,\"s\":\"" + "v".repeat(5000) + "\"}",
                "\"6H02EB77C0000\"", "\"ZZZZZZZZZZZZZ\"", "\"0000000000000\"", "\"" + "m".repeat(40_000) + "\"");
        Arbitrary<byte[]> body = Arbitraries.maps(field, fieldValue).ofMaxSize(5).map(fields -> {
            StringBuilder json = new StringBuilder("{");
            fields.forEach((name, value) -> json.append(json.length() > 1 ? "," : "").append('"').append(name)
                    .append("\":").append(value));
            return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        });
        Arbitrary<byte[]> broken = Arbitraries.of("", "[]", "null", "{", "\"text\"", "[" + "[".repeat(5000) + "]".repeat(5000) + "]")
                .map(text -> text.getBytes(StandardCharsets.UTF_8));
        return Combinators.combine(Arbitraries.frequencyOf(Tuple.of(5, body), Tuple.of(1, broken)),
                Arbitraries.of("/api/work-log/create", "/api/work-log/update"), credentials())
                .as((bytes, path, credential) -> new ApiRequest("POST", path, Map.of(), "application/json", bytes, credential));
    }

    private Arbitrary<ApiRequest> tokens() {
        Arbitrary<String> field = Arbitraries.of("userId", "conversationId", "ttl", "extra");
        Arbitrary<String> fieldValue = Arbitraries.of("\"u1\"", "\"\"", "null", "5", "[]", "{}", "\"15m\"", "\"0s\"",
                "\"-1m\"", "\"99999999999d\"", "\"25h\"", "\"" + "u".repeat(300) + "\"", "\"a\\u0000b\"", "1e400");
        Arbitrary<byte[]> body = Arbitraries.maps(field, fieldValue).ofMaxSize(3).map(fields -> {
            StringBuilder json = new StringBuilder("{");
            fields.forEach((name, value) -> json.append(json.length() > 1 ? "," : "").append('"').append(name)
                    .append("\":").append(value));
            return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
        });
        return Combinators.combine(body, credentials())
                .as((bytes, credential) -> new ApiRequest("POST", "/api/tokens", Map.of(), "application/json", bytes, credential));
    }

    private Arbitrary<ApiRequest> settings() {
        Arbitrary<String> change = Arbitraries.of("{}", "{\"signing\":\"off\"}", "{\"signing\":\"loud\"}",
                "{\"redaction\":\"on\"}", "{\"redaction\":1}", "{\"redactionPatterns\":[\"(x+)+y\"]}",
                "{\"redactionPatterns\":[\"[\"]}", "{\"redactionPatterns\":[\"ORD-\\\\d+\"]}",
                "{\"limits\":{\"eventsPerMinute\":9223372036854775807}}", "{\"limits\":{\"requestsPerMinute\":-2}}",
                "{\"limits\":{\"workLogPerUserPerMinute\":1e400}}", "{\"limits\":null}", "[]", "{");
        Arbitrary<ApiRequest> put = Combinators.combine(change, Arbitraries.of("shop", "nope", "%FF", "signed"), credentials())
                .as((body, slug, credential) -> new ApiRequest("PUT", "/admin/projects/" + slug + "/settings", Map.of(),
                        "application/json", body.getBytes(StandardCharsets.UTF_8), credential));
        Arbitrary<ApiRequest> audit = Combinators.combine(Arbitraries.maps(Arbitraries.of("limit", "before", "project"),
                values()).ofMaxSize(3), credentials()).as((p, credential) -> new ApiRequest("GET", "/admin/audit", p, null,
                null, credential));
        return Arbitraries.oneOf(put, audit);
    }

    private Arbitrary<Map<String, String>> signatureHeaders() {
        Arbitrary<String> timestamp = Arbitraries.of("", "0", "-1", "abc", "1e10", "99999999999999999999",
                Long.toString(System.currentTimeMillis() / 1000), Long.toString(System.currentTimeMillis()), " 17 ");
        Arbitrary<String> signature = Arbitraries.of("", "v1=", "v1=zz", "v1=" + "a".repeat(64), "v0=" + "a".repeat(64),
                "v1=" + "A".repeat(64) + ",v1=" + "b".repeat(64), ("v1=" + "c".repeat(64) + ",").repeat(40), "=", ",,,");
        Arbitrary<Map<String, String>> both = Combinators.combine(timestamp, signature)
                .as((t, sig) -> Map.of("X-Larch-Timestamp", t, "X-Larch-Signature", sig));
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(Map.of())), Tuple.of(3, both),
                Tuple.of(1, timestamp.map(t -> Map.of("X-Larch-Timestamp", t))),
                Tuple.of(1, signature.map(sig -> Map.of("X-Larch-Signature", sig))));
    }

    private Arbitrary<Value> values() {
        Arbitrary<Value> hostile = Arbitraries.of(
                "", " ", "0", "-1", "1", "1000", "1001", "2147483648", "-2147483649", "9223372036854775807",
                "9223372036854775808", "-9223372036854775808", "1e400", "NaN", "inf", "0x1f", "1_000",
                "-999999999999999d", "9999999999999999d", "-9999999999999999999999d", "-1h", "-15m", "now", "-0s",
                "1ms", "0ms", "1d", "3650d", "3651d", "999999999h", "+999999999-12-31", "+999999999-12-31T00:00:00Z",
                "-200000000-01-01", "+200000000-01-01", "-999999999-01-01T00:00:00Z", "0000-01-01", "9999-12-31",
                "2026-02-30", "2026-11-22T10:00:00+25:00", "99999999999999999", "123456789012345",
                "djE6MTox", "djE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OToxMg", "djI6MToy", "not a cursor", "djE6", "====",
                "error", ">=warn", ">=", "error,,warn", "loud", "app", "app,work", "nope,app", "fingerprint", "level",
                "kind", "source", "attrs.n", "attrs.", "user", "shop", "Shop", "other",
                "declined", "\"unterminated", "(a OR", "a) b", "NOT", "-", "*", "a*", "level>=", "attrs.n>inf",
                "attrs.n>1e400", "attrs.n>5", "user:", "zz* OR attrs.n>1000", "ΟΔΟΣ", "İstanbul", "日本", "😀",
                "\u0000", "a\u0000b", "\u0001\u001f\u007f", "\r\n", "\t", "\\", "'; DROP TABLE parts; --",
                "%", "%%", "&", "=", "+", "#", "?").map(text -> new Value(text, false));
        Arbitrary<Value> broken = Arbitraries.of("%FF", "%FE%FF", "%C3%28", "%ED%A0%80", "%00", "a%00b", "%E2%82",
                "%F0%9F%98", "%C0%AF").map(text -> new Value(text, true));
        Arbitrary<Value> nested = Arbitraries.integers().between(1, 2_000)
                .map(depth -> new Value("(".repeat(depth) + "a" + ")".repeat(depth), false));
        Arbitrary<Value> manyTerms = Arbitraries.integers().between(100, 10_000)
                .map(terms -> new Value("a ".repeat(terms), false));
        Arbitrary<Value> longNumbers = Arbitraries.longs().map(n -> new Value(Long.toString(n), false));
        Arbitrary<Value> forgedCursors = Arbitraries.strings().ofMaxLength(40).map(text -> new Value(
                Base64.getUrlEncoder().withoutPadding().encodeToString(("v1:" + text).getBytes(StandardCharsets.UTF_8)),
                false));
        Arbitrary<Value> anyText = Arbitraries.strings().ofMaxLength(60).map(text -> new Value(text, false));
        return Arbitraries.frequencyOf(Tuple.of(10, hostile), Tuple.of(2, broken),
                Tuple.of(1, nested), Tuple.of(1, manyTerms),
                Tuple.of(2, longNumbers), Tuple.of(2, forgedCursors),
                Tuple.of(3, anyText));
    }

    private Arbitrary<ApiRequest> ingests() {
        Arbitrary<String> field = Arbitraries.of("ts", "level", "message", "kind", "source", "stack", "fingerprint",
                "userId", "conversationId", "buildId", "deploymentId", "traceId", "status", "attrs", "timestamp", "msg");
        Arbitrary<String> fieldValue = Arbitraries.of("\"+999999999-12-31T23:59:59Z\"", "\"-999999999-01-01T00:00:00Z\"",
                "1e300", "-1e300", "9223372036854775807", "-1", "0", "1.5", "\"2026-11-22T10:00:00Z\"", "\"now\"",
                "\"\"", "null", "true", "[]", "{}", "{\"a\":{\"b\":{\"c\":1}}}", "\"error\"", "\"loud\"", "\"work\"",
                "\"nope\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"" + "x".repeat(40_000) + "\"", "[1,2,[3]]",
                "{\"k\":\"" + "v".repeat(100) + "\"}", "\"ΟΔΟΣ\"", "12345678901234567890123");
        Arbitrary<String> event = Arbitraries.maps(field, fieldValue).ofMaxSize(6).map(fields -> {
            StringBuilder json = new StringBuilder("{");
            fields.forEach((name, value) -> json.append(json.length() > 1 ? "," : "").append('"').append(name)
                    .append("\":").append(value));
            return json.append('}').toString();
        });
        Arbitrary<byte[]> goodShape = event.list().ofMinSize(0).ofMaxSize(4)
                .map(events -> ("{\"events\":[" + String.join(",", events) + "]}").getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> ndjson = event.list().ofMinSize(1).ofMaxSize(4)
                .map(events -> String.join("\n", events).getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> brokenBytes = Arbitraries.of("{", "[", "{\"events\":", "{\"events\":{}}", "null", "42",
                "\"text\"", "[" + "[".repeat(5000) + "]".repeat(5000) + "]", "{\"events\":[" + "{},".repeat(300) + "{}]}",
                "plain text line\nanother", "\u0000\u0000", "{\"message\":\"\u0000\"}")
                .map(text -> text.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> invalidUtf8 = Arbitraries.of(new byte[] {'{', '"', 'm', 'e', 's', 's', 'a', 'g', 'e', '"', ':',
                '"', (byte) 0xFF, (byte) 0xFE, '"', '}'}, new byte[] {(byte) 0xC3, (byte) 0x28}, new byte[] {(byte) 0x1f,
                (byte) 0x8b, 0, 0}, new byte[0]);
        Arbitrary<byte[]> body = Arbitraries.frequencyOf(Tuple.of(5, goodShape),
                Tuple.of(2, ndjson), Tuple.of(2, brokenBytes),
                Tuple.of(1, invalidUtf8));
        Arbitrary<String> contentType = Arbitraries.of("application/json", "application/x-ndjson", "text/plain",
                "application/xml", "application/json; charset=latin1", "multipart/form-data");
        return Combinators.combine(body, contentType, credentials(), signatureHeaders())
                .as((bytes, type, credential, headers) -> new ApiRequest("POST", "/api/log", Map.of(), type, bytes, credential,
                        headers));
    }

    private Arbitrary<ApiRequest> admin() {
        Arbitrary<String> name = Arbitraries.of("Shop", "", " ", "a".repeat(300), "Ünïcode", "\u0000", "shop");
        Arbitrary<ApiRequest> createProject = name.map(n -> new ApiRequest("POST", "/admin/projects", Map.of(),
                "application/json", ("{\"name\":" + jsonString(n) + "}").getBytes(StandardCharsets.UTF_8), "admin"));
        Arbitrary<ApiRequest> createKey = Arbitraries.of("[\"ingest\"]", "[\"read\"]", "[]", "[\"root\"]", "\"ingest\"",
                "null", "[1]").map(scopes -> new ApiRequest("POST", "/admin/projects/shop/keys", Map.of(),
                "application/json", ("{\"name\":\"k\",\"scopes\":" + scopes + "}").getBytes(StandardCharsets.UTF_8), "admin"));
        Arbitrary<ApiRequest> revoke = Arbitraries.of("larch_abcdefgh", "x", "%FF", "larch_%00").map(prefix ->
                new ApiRequest("DELETE", "/admin/projects/nope/keys/" + prefix, Map.of(), null, null, "admin"));
        Arbitrary<ApiRequest> listing = Arbitraries.of("/admin/projects", "/admin/projects/shop/keys",
                "/admin/projects/nope/keys", "/admin/storage", "/config").flatMap(path -> credentials()
                .map(credential -> new ApiRequest("GET", path, Map.of(), null, null, credential)));
        Arbitrary<ApiRequest> brokenBody = Arbitraries.of("{", "[]", "{\"name\":5}", "\u0000").map(text ->
                new ApiRequest("POST", "/admin/projects", Map.of(), "application/json",
                        text.getBytes(StandardCharsets.UTF_8), "admin"));
        return Arbitraries.oneOf(createProject, createKey, revoke, listing, brokenBody);
    }

    private static String jsonString(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
