package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.testing.HttpJson;
import io.larch.testing.RawHttp;
import io.larch.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fixed corpus of more than 500 malformed requests, sent byte for byte over a socket: truncated
 * JSON, deep nesting, numbers past every range, bytes that are not UTF-8, raw NUL and control
 * characters, wrong content types and encodings, lying lengths, oversized and broken headers and
 * request lines, garbage credentials, signatures and viewer tokens, broken admin and token bodies.
 * Every one must get a 4xx whose body is a JSON error; afterwards the server is healthy and the
 * events stored before are all there, unchanged.
 */
class MalformedRequestCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = TestServer.ADMIN_TOKEN;

    /** One request of the corpus: a name for the failure message, its head (no blank line) and body. */
    private record Case(String name, byte[] head, byte[] body) {
    }

    @Test
    void everyMalformedRequestGetsAJsonClientErrorAndNothingStoredChanges(@TempDir Path dataDir) throws IOException {
        try (TestServer server = TestServer.start(dataDir)) {
            HttpJson http = server.http();
            String key = server.createProject("Shop");
            String signedKey = http.post("/admin/projects", ADMIN, "{\"name\":\"Signed\",\"slug\":\"signed\"}").json()
                    .get("key").asText();
            http.post("/admin/projects/signed/signing-secret", ADMIN, "");
            assertEquals(200, http.send(java.net.http.HttpRequest.newBuilder(http.uri("/admin/projects/signed/settings"))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"signing\":\"required\"}")), ADMIN).status());
            List<String> before = storedEvents(http, key);

            List<Case> corpus = corpus(key, signedKey);
            assertTrue(corpus.size() >= 500, "corpus size " + corpus.size());
            RawHttp raw = new RawHttp("127.0.0.1", server.larch().port());
            List<String> failures = new ArrayList<>();
            for (Case c : corpus) {
                RawHttp.Answer answer = raw.send(c.head(), c.body());
                String problem = problem(answer);
                if (problem != null) {
                    failures.add(c.name() + ": " + problem);
                }
            }
            if (!failures.isEmpty()) {
                fail(failures.size() + " of " + corpus.size() + " answered wrongly:\n  "
                        + String.join("\n  ", failures.subList(0, Math.min(40, failures.size()))));
            }
            assertEquals(200, http.get("/readyz", null).status(), "healthy after the corpus");
            assertEquals(before, storedEvents(http, key), "the events stored before are all there, unchanged");
        }
    }

    /** Null when the answer is a 4xx with a JSON error, else what is wrong with it. */
    private static String problem(RawHttp.Answer answer) {
        if (answer.status() < 400 || answer.status() > 499) {
            return "status " + answer.status() + " " + abbreviate(answer.text());
        }
        try {
            JsonNode body = JSON.readTree(answer.body());
            if (body == null || !body.hasNonNull("error") || body.get("error").asText().isBlank()) {
                return "no JSON error: " + abbreviate(answer.text());
            }
            return null;
        } catch (IOException e) {
            return "body is not JSON: " + abbreviate(answer.text());
        }
    }

    private static List<String> storedEvents(HttpJson http, String key) {
        HttpJson.Response page = http.get("/api/log?limit=1000", key);
        assertEquals(200, page.status(), page.body());
        List<String> events = new ArrayList<>();
        page.json().get("events").forEach(e -> events.add(e.toString()));
        if (events.isEmpty()) {
            StringBuilder batch = new StringBuilder("{\"events\":[");
            for (int i = 0; i < 50; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"message\":\"stored before ").append(i)
                        .append("\",\"level\":\"warn\",\"userId\":\"u").append(i % 5).append("\"}");
            }
            assertEquals(202, http.post("/api/log", key, batch.append("]}").toString()).status());
            return storedEvents(http, key);
        }
        return events;
    }

    private static List<Case> corpus(String key, String signedKey) throws IOException {
        List<Case> corpus = new ArrayList<>();
        String valid = "{\"events\":[{\"ts\":\"2026-12-02T10:00:00Z\",\"level\":\"error\",\"message\":\"payment failed for order 1234\","
                + "\"source\":\"checkout\",\"userId\":\"u42\",\"attrs\":{\"http\":{\"status\":500},\"region\":\"eu\"}},"
                + "{\"message\":\"second\",\"kind\":\"work\",\"status\":\"working\"}]}";
        byte[] validBytes = valid.getBytes(StandardCharsets.UTF_8);
        // Truncated JSON: every cut of a valid batch but the whole.
        for (int cut = 1; cut < validBytes.length; cut += 2) {
            corpus.add(ingest("truncated at " + cut, key, "application/json", java.util.Arrays.copyOf(validBytes, cut)));
        }
        // Deep nesting, in the batch and inside attrs.
        for (int depth : new int[] {1_000, 5_000, 20_000, 100_000}) {
            corpus.add(ingest("array depth " + depth, key, "application/json", ascii("[".repeat(depth) + "]".repeat(depth))));
            corpus.add(ingest("object depth " + depth, key, "application/json",
                    ascii("{\"a\":".repeat(depth) + "1" + "}".repeat(depth))));
            corpus.add(ingest("attrs depth " + depth, key, "application/json", ascii("{\"message\":\"m\",\"attrs\":"
                    + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) + "}")));
            corpus.add(ingest("unclosed depth " + depth, key, "application/json", ascii("[".repeat(depth))));
        }
        // Numbers past every range, where numbers mean something.
        for (String number : List.of("1e400", "-1e400", "99999999999999999999999999", "-99999999999999999999999999",
                "1e19", "9223372036854775808", "-9223372036854775809", "1.7976931348623157e309", "0x10", "NaN",
                "Infinity", "-Infinity", "01", "1.", ".5", "--1", "+1")) {
            corpus.add(ingest("ts " + number, key, "application/json", ascii("{\"message\":\"m\",\"ts\":" + number + "}")));
            corpus.add(ingest("level " + number, key, "application/json", ascii("{\"message\":\"m\",\"level\":" + number + "}")));
        }
        // Bytes that are not UTF-8, in a message, an attribute key and an attribute value.
        byte[][] invalidUtf8 = {{(byte) 0xFF}, {(byte) 0xFE}, {(byte) 0xC3, 0x28}, {(byte) 0xC0, (byte) 0xAF},
                {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88,
                (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98},
                {(byte) 0x80}, {(byte) 0xBF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};
        for (int i = 0; i < invalidUtf8.length; i++) {
            corpus.add(ingest("invalid UTF-8 #" + i + " in message", key, "application/json",
                    concat(ascii("{\"message\":\"a"), invalidUtf8[i], ascii("b\"}"))));
            corpus.add(ingest("invalid UTF-8 #" + i + " in attr key", key, "application/json",
                    concat(ascii("{\"message\":\"m\",\"attrs\":{\"k"), invalidUtf8[i], ascii("\":\"v\"}}"))));
            corpus.add(ingest("invalid UTF-8 #" + i + " in attr value", key, "application/json",
                    concat(ascii("{\"message\":\"m\",\"attrs\":{\"k\":\"v"), invalidUtf8[i], ascii("\"}}"))));
            corpus.add(ingest("invalid UTF-8 #" + i + " in NDJSON", key, "application/x-ndjson",
                    concat(ascii("{\"message\":\"ok\"}\n{\"message\":\""), invalidUtf8[i], ascii("\"}"))));
        }
        // Raw (unescaped) NUL and control characters inside JSON strings.
        for (int c = 0; c < 0x20; c++) {
            corpus.add(ingest("raw control 0x" + Integer.toHexString(c) + " in message", key, "application/json",
                    concat(ascii("{\"message\":\"a"), new byte[] {(byte) c}, ascii("b\"}"))));
        }
        // Content types that are not ingest formats, and charsets that are not UTF-8.
        for (String type : List.of("image/png", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                "text/html", "application/xml", "application/octet-stream", "application/json; charset=utf-16",
                "application/json; charset=latin1", "application/json; charset=bogus",
                "video/mp4", "application/protobuf", "*/*", "application/", "/json")) {
            corpus.add(ingest("content type " + type, key, type, validBytes));
        }
        // Bodies that are not JSON at all, or JSON of the wrong shape.
        for (String body : List.of("{", "}", "[", "]", "{\"events\":", "{\"events\":{}}", "{\"events\":\"x\"}", "null",
                "42", "true", "\"text\"", "[1,2,3]", "[null]", "{\"events\":[1]}", "{\"events\":[[]]}",
                "{\"message\":\"\"}", "{\"message\":null}", "{\"message\":[]}", "{\"message\":{}}", "{\"level\":\"loud\",\"message\":\"m\"}",
                "{\"kind\":\"nope\",\"message\":\"m\"}", "{\"message\":\"m\",\"attrs\":[]}", "{\"message\":\"m\",\"attrs\":\"x\"}",
                "{\"message\":\"m\",\"ts\":\"yesterday\"}", "{\"message\":\"m\",\"ts\":\"+999999999-12-31T23:59:59Z\"}",
                "{\"message\":\"m\",\"userId\":" + "\"" + "u".repeat(300) + "\"}", "{\"message\":\"" + "x".repeat(40_000) + "\"}",
                "{\"events\":[" + "{\"message\":\"m\"},".repeat(250) + "{\"message\":\"m\"}]}", "{\"message\":\"m\"} trailing",
                "{\"message\":\"m\",}", "{'message':'m'}", "{message:\"m\"}", "\uFEFF\uFEFF{\"message\":\"m\"}")) {
            corpus.add(ingest("body " + abbreviate(body), key, "application/json", body.getBytes(StandardCharsets.UTF_8)));
        }
        // UTF-16 and UTF-32 (Jackson would detect them from the NULs and decode them).
        corpus.add(ingest("UTF-16LE body", key, "application/json", "{\"message\":\"AA\"}".getBytes(StandardCharsets.UTF_16LE)));
        corpus.add(ingest("UTF-16BE body", key, "application/json", "{\"message\":\"AA\"}".getBytes(StandardCharsets.UTF_16BE)));
        corpus.add(ingest("UTF-32 body", key, "application/json", "{\"message\":\"AA\"}".getBytes(java.nio.charset.Charset.forName("UTF-32"))));
        // Encodings: gzip that is not gzip, cut short, or a bomb past the size limit.
        byte[] gzipped = gzip(validBytes);
        corpus.add(encoded("gzip of plain JSON", key, "gzip", validBytes));
        corpus.add(encoded("gzip cut short", key, "gzip", java.util.Arrays.copyOf(gzipped, gzipped.length / 2)));
        corpus.add(encoded("gzip header only", key, "gzip", new byte[] {0x1f, (byte) 0x8b, 8, 0}));
        corpus.add(encoded("gzip bomb", key, "gzip", gzip(new byte[4 * 1024 * 1024])));
        corpus.add(encoded("gzip of invalid JSON", key, "gzip", gzip(ascii("{\"events\":["))));
        corpus.add(encoded("unknown encoding", key, "br", validBytes));
        corpus.add(encoded("deflate", key, "deflate", validBytes));
        // Lengths that lie.
        corpus.add(new Case("content length past the body", head("POST", "/api/log", key, "Content-Type: application/json",
                "Content-Length: " + (validBytes.length + 100)), validBytes));
        corpus.add(new Case("content length over the limit", head("POST", "/api/log", key, "Content-Type: application/json",
                "Content-Length: 999999999"), validBytes));
        corpus.add(new Case("negative content length", head("POST", "/api/log", key, "Content-Type: application/json",
                "Content-Length: -5"), validBytes));
        corpus.add(new Case("content length not a number", head("POST", "/api/log", key, "Content-Type: application/json",
                "Content-Length: ten"), validBytes));
        corpus.add(new Case("body of 600 KB", head("POST", "/api/log", key, "Content-Type: application/json",
                "Content-Length: " + 600 * 1024), new byte[600 * 1024]));
        // Oversized and broken headers.
        corpus.add(new Case("header of 17 KB", head("GET", "/api/log", key, "X-Big: " + "a".repeat(17 * 1024)), new byte[0]));
        corpus.add(new Case("header of 64 KB", head("GET", "/api/log", key, "X-Big: " + "a".repeat(64 * 1024)), new byte[0]));
        StringBuilder many = new StringBuilder("X-0: v");
        for (int i = 1; i < 400; i++) {
            many.append("\r\nX-").append(i).append(": ").append("v".repeat(60));
        }
        corpus.add(new Case("400 headers", head("GET", "/api/log", key, many.toString()), new byte[0]));
        for (byte bad : new byte[] {0, 0x01, 0x0b, 0x7f, '\r'}) {
            corpus.add(new Case("byte 0x" + Integer.toHexString(bad) + " in a header", concat(
                    head("GET", "/api/log", key), ascii("\r\nX-Bad: a"), new byte[] {bad}, ascii("b")), new byte[0]));
        }
        corpus.add(new Case("header without colon", concat(head("GET", "/api/log", key), ascii("\r\nNoColonHere")), new byte[0]));
        corpus.add(new Case("space before colon", concat(head("GET", "/api/log", key), ascii("\r\nX-Bad : v")), new byte[0]));
        corpus.add(new Case("empty header name", concat(head("GET", "/api/log", key), ascii("\r\n: v")), new byte[0]));
        corpus.add(new Case("two hosts", concat(head("GET", "/api/log", key), ascii("\r\nHost: evil.example")), new byte[0]));
        corpus.add(new Case("conflicting lengths", head("POST", "/api/log", key, "Content-Length: 5", "Content-Length: 6"),
                ascii("{}{}{}")));
        corpus.add(new Case("chunked and length", head("POST", "/api/log", key, "Content-Length: 5",
                "Transfer-Encoding: chunked"), ascii("0\r\n\r\n")));
        corpus.add(new Case("broken chunk size", head("POST", "/api/log", key, "Content-Type: application/json",
                "Transfer-Encoding: chunked"), ascii("zz\r\n{}\r\n0\r\n\r\n")));
        // Request lines and paths.
        for (String target : List.of("/api/log%", "/api/log%ZZ", "/api/%00", "/api/log%00", "/%FF", "/%C0%AF",
                "/admin/projects/%C0%AF/keys", "/admin/projects/%ED%A0%80/keys", "/api/log?q=%C3%28",
                "/api/log?limit=%00", "/api/log?from=%FF", "/" + "a".repeat(20_000), "/api/log?q=" + "a".repeat(20_000),
                "/../../etc/passwd", "/api/log/../../../etc/passwd", "//api//log", "/api/log;jsessionid=1",
                "/api/log?project=%00", "/api/log?limit=-1", "/api/log?limit=1001", "/api/log?limit=1e3",
                "/api/log?cursor=garbage", "/api/log?after=garbage", "/api/log?after=1&cursor=x", "/api/log?level=loud",
                "/api/log?kind=nope", "/api/log?from=tomorrow-ish", "/api/log?q=(a", "/api/log?q=%22open",
                "/api/log/histogram?interval=0s", "/api/log/histogram?interval=-5m", "/api/log/top?field=nope",
                "/api/log/top?limit=0", "/api/work-log/list?limit=0", "/api/work-log/list?after=zz",
                "/admin/audit?limit=0", "/admin/audit?before=x", "/admin/audit?before=-1", "/admin/projects/nope/keys")) {
            corpus.add(new Case("target " + abbreviate(target), head("GET", target, target.startsWith("/admin") ? ADMIN : key),
                    new byte[0]));
        }
        corpus.add(new Case("raw 0xFF in path", concat(ascii("GET /api/"), new byte[] {(byte) 0xFF}, ascii(
                "log HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key)), new byte[0]));
        corpus.add(new Case("space in path", ascii("GET /api/ log HTTP/1.1\r\nHost: 127.0.0.1"), new byte[0]));
        corpus.add(new Case("garbage method", ascii("G(T /api/log HTTP/1.1\r\nHost: 127.0.0.1"), new byte[0]));
        corpus.add(new Case("no host", ascii("GET /api/log HTTP/1.1\r\nAuthorization: Bearer " + key), new byte[0]));
        // Credentials that are not credentials.
        for (String credential : List.of("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "bearer", "Token abc", "Bearer larch_",
                "Bearer larch_" + "x".repeat(43), "Bearer larch_" + "x".repeat(1000), "Bearer " + "y".repeat(8000),
                "Bearer larchadmin_nope", "Bearer larchvt_", "Bearer larchvt_.", "Bearer larchvt_abc.def",
                "Bearer larchvt_" + "A".repeat(3000) + ".x", "Bearer larchvt_eyJwIjoxfQ.AAAA", "Bearer larchvt_!!!.???",
                "Bearer larchvt_eyJwIjoxLCJrIjoxLCJ1IjoidTEiLCJlIjo5OTk5OTk5OTk5OTk5fQ.c2lnbmF0dXJl",
                "Bearer " + key.substring(0, 20), "Bearer " + key + "x", "Bearer  " + key.toUpperCase(java.util.Locale.ROOT))) {
            corpus.add(new Case("credential " + abbreviate(credential), concat(ascii("GET /api/log HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: " + credential)), new byte[0]));
            corpus.add(new Case("ingest with credential " + abbreviate(credential), concat(ascii(
                    "POST /api/log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                            + validBytes.length + "\r\nAuthorization: " + credential)), validBytes));
        }
        for (String apiKey : List.of("", " ", "larch_", "x".repeat(5000), "larchvt_zz")) {
            corpus.add(new Case("X-Api-Key " + abbreviate(apiKey), ascii("GET /api/log HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "X-Api-Key: " + apiKey), new byte[0]));
        }
        // Signatures and timestamps for a project that requires signing.
        long now = System.currentTimeMillis() / 1000;
        List<String> timestamps = List.of("", "abc", "-1", "0", "1e10", "99999999999999999999", "9999999999999999999", Long.toString(now - 301),
                Long.toString(now + 301), "12.5", Long.toString(now * 1000), "0x10");
        List<String> signatures = List.of("", "v1=", "v1=zz", "v0=" + "a".repeat(64), "v1=" + "a".repeat(63),
                "v1=" + "g".repeat(64), "v1=" + "a".repeat(64), "sha256=" + "a".repeat(64), ("v1=" + "a".repeat(64) + ",").repeat(30));
        for (String timestamp : timestamps) {
            for (String signature : signatures) {
                corpus.add(new Case("signed ts '" + timestamp + "' sig '" + abbreviate(signature) + "'",
                        head("POST", "/api/log", signedKey, "Content-Type: application/json", "X-Larch-Timestamp: " + timestamp,
                                "X-Larch-Signature: " + signature, "Content-Length: " + validBytes.length), validBytes));
            }
        }
        corpus.add(new Case("unsigned to a signing project", head("POST", "/api/log", signedKey,
                "Content-Type: application/json", "Content-Length: " + validBytes.length), validBytes));
        corpus.add(new Case("timestamp without signature", head("POST", "/api/log", signedKey,
                "Content-Type: application/json", "X-Larch-Timestamp: " + now, "Content-Length: " + validBytes.length), validBytes));
        // Admin, settings and token bodies.
        List<String> brokenBodies = List.of("{", "[]", "null", "42", "\"x\"", "{\"name\":5}", "{\"scopes\":\"read\"}",
                "{\"scopes\":[\"root\"]}", "{\"scopes\":[1]}", "{\"scopes\":[]}", "{\"userId\":7}", "{\"ttl\":\"forever\",\"userId\":\"u\"}",
                "{\"ttl\":\"0s\",\"userId\":\"u\"}", "{\"ttl\":\"99999d\",\"userId\":\"u\"}", "{\"userId\":\"" + "u".repeat(300) + "\"}",
                "{\"signing\":\"on\"}", "{\"signing\":5}", "{\"redaction\":\"maybe\"}", "{\"limits\":{\"eventsPerMinute\":-5}}",
                "{\"limits\":{\"eventsPerMinute\":\"many\"}}", "{\"limits\":{\"nope\":1}}", "{\"limits\":[]}",
                "{\"redactionPatterns\":\"x\"}", "{\"redactionPatterns\":[\"[\"]}", "{\"redactionPatterns\":[\"(a+)+$\"]}",
                "{\"redactionPatterns\":[\"\"]}", "{\"redactionPatterns\":[5]}", "{\"unknown\":1}", "{}", "{\"name\":\"\"}");
        for (String body : brokenBodies) {
            corpus.add(json("POST", "/admin/projects", ADMIN, "create project " + abbreviate(body), body));
            corpus.add(json("POST", "/admin/projects/shop/keys", ADMIN, "create key " + abbreviate(body), body));
            corpus.add(json("PUT", "/admin/projects/shop/settings", ADMIN, "settings " + abbreviate(body), body));
            corpus.add(json("POST", "/api/tokens", key, "mint token " + abbreviate(body), body));
        }
        // "{}" and a blank name are valid key requests (the default scopes and name); every other body
        // in the list is broken for every route.
        return corpus.stream().filter(c -> !c.name().equals("create key {}") && !c.name().equals("create key {\"name\":\"\"}"))
                .toList();
    }

    private static Case ingest(String name, String key, String contentType, byte[] body) {
        return new Case(name, head("POST", "/api/log", key, "Content-Type: " + contentType, "Content-Length: " + body.length),
                body);
    }

    private static Case encoded(String name, String key, String encoding, byte[] body) {
        return new Case(name, head("POST", "/api/log", key, "Content-Type: application/json", "Content-Encoding: " + encoding,
                "Content-Length: " + body.length), body);
    }

    private static Case json(String method, String path, String credential, String name, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new Case(name, head(method, path, credential, "Content-Type: application/json", "Content-Length: " + bytes.length),
                bytes);
    }

    private static byte[] head(String method, String target, String credential, String... headers) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1");
        if (credential != null) {
            head.append("\r\nAuthorization: Bearer ").append(credential);
        }
        for (String header : headers) {
            head.append("\r\n").append(header);
        }
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
