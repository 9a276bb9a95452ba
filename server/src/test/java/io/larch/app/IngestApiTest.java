package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Ingest over HTTP against a real server: every 4xx path with its exact payload, and the accepted shapes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestApiTest {
    private TestServer server;
    private HttpJson http;
    private String key;
    private String otherKey;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        http = server.http();
        key = server.createProject("Shop");
        otherKey = server.createProject("Other");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private void check(HttpJson.Response response, int status, String body) {
        assertEquals(status, response.status(), response.body());
        assertEquals(body, response.body());
    }

    private HttpJson.Response post(String body) {
        return http.post("/api/log", key, body);
    }

    @Test
    void acceptsABatchAndReturnsIds() {
        HttpJson.Response response = post("{\"events\":[{\"message\":\"a\"},{\"message\":\"b\",\"level\":\"warning\"}]}");
        assertEquals(202, response.status(), response.body());
        JsonNode json = response.json();
        assertEquals(2, json.get("accepted").asInt());
        assertEquals(2, json.get("ids").size());
        assertEquals(13, json.get("ids").get(0).asText().length());
    }

    @Test
    void acceptsArraysNdjsonSingleObjectsPlainTextAndGzip() throws IOException {
        assertEquals(202, post("[{\"message\":\"array\"}]").status());
        assertEquals(202, post("{\"message\":\"single\"}").status());
        assertEquals(202, http.post("/api/log", key, "application/x-ndjson",
                "{\"message\":\"n1\"}\n{\"message\":\"n2\"}\n".getBytes(StandardCharsets.UTF_8)).status());
        HttpJson.Response text = http.post("/api/log", key, "text/plain", "line one\nline two\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"accepted\":2,", text.body().substring(0, 14));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("{\"events\":[{\"message\":\"zipped\"}]}".getBytes(StandardCharsets.UTF_8));
        }
        HttpJson.Response zipped = http.send(HttpRequest.newBuilder(http.uri("/api/log"))
                .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray())), key);
        assertEquals(202, zipped.status(), zipped.body());
        HttpJson.Response viaHeader = http.send(HttpRequest.newBuilder(http.uri("/api/log"))
                .header("X-Api-Key", key).POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"x-api-key\"}")), null);
        assertEquals(202, viaHeader.status(), viaHeader.body());
    }

    @Test
    void rejectsBadJson() {
        check(post("{\"events\":[{\"message\":\"a\"}"), 400,
                "{\"error\":\"body is not valid JSON at line 1, column 27: Unexpected end-of-input: expected close marker for Array\"}");
        check(post("not json"), 400,
                "{\"error\":\"body is not valid JSON at line 1, column 5: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\"}");
        check(post(""), 400, "{\"error\":\"body is empty; send {\\\"events\\\":[...]}, a JSON array or NDJSON\"}");
        check(post("{\"events\":{}}"), 400, "{\"error\":\"'events' must be an array of event objects\"}");
    }

    @Test
    void rejectsWrongTypesListingEachBadEvent() {
        check(post("[{\"message\":\"ok\"},{\"message\":5,\"level\":\"loud\"},{\"message\":\"ok\",\"ts\":true}]"), 400,
                "{\"error\":\"2 of 3 events are invalid; nothing was stored\",\"details\":["
                        + "{\"index\":1,\"field\":\"message\",\"reason\":\"message must be a string, got a number\"},"
                        + "{\"index\":1,\"field\":\"level\",\"reason\":\"unknown level 'loud'; use one of trace, debug, info, warn, error, fatal\"},"
                        + "{\"index\":2,\"field\":\"ts\",\"reason\":\"ts must be an ISO-8601 string or epoch milliseconds, got a boolean\"}]}");
        check(post("[\"text\"]"), 400, "{\"error\":\"1 of 1 events are invalid; nothing was stored\",\"details\":["
                + "{\"index\":0,\"field\":null,\"reason\":\"event must be a JSON object, got a string\"}]}");
    }

    @Test
    void rejectsUnknownLevel() {
        check(post("{\"message\":\"x\",\"level\":\"verbosest\"}"), 400,
                "{\"error\":\"1 of 1 events are invalid; nothing was stored\",\"details\":[{\"index\":0,\"field\":\"level\","
                        + "\"reason\":\"unknown level 'verbosest'; use one of trace, debug, info, warn, error, fatal\"}]}");
    }

    @Test
    void rejectsTooManyEvents() {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 251; i++) {
            body.append(i == 0 ? "" : ",").append("{\"message\":\"m").append(i).append("\"}");
        }
        check(post(body.append("]").toString()), 413,
                "{\"error\":\"batch has more than 250 events; split it into requests of at most 250\"}");
    }

    @Test
    void rejectsTooLargeBodies() {
        String big = "{\"message\":\"" + "x".repeat(520 * 1024) + "\"}";
        check(post(big), 413, "{\"error\":\"body is larger than 512 KB; send at most 250 events and 512 KB per request\"}");
    }

    @Test
    void rejectsTooLongMessages() {
        check(post("{\"message\":\"" + "y".repeat(33 * 1024) + "\"}"), 400,
                "{\"error\":\"1 of 1 events are invalid; nothing was stored\",\"details\":[{\"index\":0,\"field\":\"message\","
                        + "\"reason\":\"message is longer than 32 KB\"}]}");
    }

    @Test
    void rejectsUnsupportedContentTypes() {
        check(http.post("/api/log", key, "application/xml", "<log/>".getBytes(StandardCharsets.UTF_8)), 415,
                "{\"error\":\"unsupported Content-Type 'application/xml'; send application/json, application/x-ndjson or text/plain\"}");
    }

    @Test
    void rejectsMissingAndInvalidKeys() {
        HttpJson.Response missing = http.post("/api/log", null, "{\"message\":\"x\"}");
        check(missing, 401, "{\"error\":\"missing credential: send 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'\"}");
        assertEquals("Bearer", missing.header("WWW-Authenticate"));
        check(http.post("/api/log", "larch_notARealKey000000000000000000000000000000", "{\"message\":\"x\"}"), 401,
                "{\"error\":\"unknown or revoked API key larch_notAReal...; create a new key with POST /admin/projects/{slug}/keys\"}");
        check(http.post("/api/log", "garbage", "{\"message\":\"x\"}"), 401,
                "{\"error\":\"invalid credential: not an API key or admin token of this server\"}");
        check(http.send(HttpRequest.newBuilder(http.uri("/api/log")).header("Authorization", "Digest abc")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")), null), 401,
                "{\"error\":\"Authorization header must be 'Bearer <key>' (or 'Basic' with the key as the password)\"}");
        // Basic auth carries the key as its password; a password that is no key is refused as one.
        check(http.send(HttpRequest.newBuilder(http.uri("/api/log")).header("Authorization", "Basic "
                        + java.util.Base64.getEncoder().encodeToString("user:garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                        .POST(HttpRequest.BodyPublishers.ofString("{}")), null), 401,
                "{\"error\":\"invalid credential: not an API key or admin token of this server\"}");
    }

    @Test
    void rejectsTheKeyOfAnotherProject() {
        check(http.post("/api/log?project=shop", otherKey, "{\"message\":\"x\"}"), 403,
                "{\"error\":\"this key belongs to project 'other' and cannot access project 'shop'\"}");
    }

    @Test
    void adminTokenMustNameTheProject() {
        check(http.post("/api/log", TestServer.ADMIN_TOKEN, "{\"message\":\"x\"}"), 400,
                "{\"error\":\"project: the admin token acts on any project, so name one with ?project=<slug>\"}");
        assertEquals(202, http.post("/api/log?project=shop", TestServer.ADMIN_TOKEN, "{\"message\":\"x\"}").status());
    }

    @Test
    void respectsKeyScopesAndRevocation() {
        JsonNode readOnly = http.post("/admin/projects/shop/keys", TestServer.ADMIN_TOKEN,
                "{\"name\":\"dashboard\",\"scopes\":[\"read\"]}").json();
        String readKey = readOnly.get("key").asText();
        check(http.post("/api/log", readKey, "{\"message\":\"x\"}"), 403,
                "{\"error\":\"key " + readOnly.get("prefix").asText() + "... lacks the 'ingest' scope; create a key with it\"}");
        assertEquals(200, http.get("/api/log", readKey).status());

        JsonNode extra = http.post("/admin/projects/shop/keys", TestServer.ADMIN_TOKEN, "{}").json();
        String extraKey = extra.get("key").asText();
        assertEquals(202, http.post("/api/log", extraKey, "{\"message\":\"x\"}").status());
        assertEquals(204, http.send(HttpRequest.newBuilder(http.uri("/admin/projects/shop/keys/" + extra.get("prefix").asText()))
                .DELETE(), TestServer.ADMIN_TOKEN).status());
        assertEquals(401, http.post("/api/log", extraKey, "{\"message\":\"x\"}").status());
    }

    @Test
    void projectKeysCannotUseAdminEndpoints() {
        check(http.get("/admin/projects", key), 403, "{\"error\":\"this endpoint needs the admin token, not a project key\"}");
        check(http.get("/config", key), 403, "{\"error\":\"this endpoint needs the admin token, not a project key\"}");
        JsonNode config = http.get("/config", TestServer.ADMIN_TOKEN).json();
        assertEquals("(set)", config.get("LARCH_ADMIN_TOKEN").asText());
    }

    @Test
    void adminErrorsAreClear() {
        check(http.post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"Shop\"}"), 409,
                "{\"error\":\"a project with slug 'shop' already exists\"}");
        check(http.post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"x\",\"slug\":\"Bad Slug\"}"), 400,
                "{\"error\":\"slug: use 1 to 63 lowercase letters, digits and '-', starting with a letter or digit (got 'Bad Slug')\"}");
        check(http.post("/admin/projects", TestServer.ADMIN_TOKEN, "{}"), 400,
                "{\"error\":\"name: give a project name of 1 to 200 characters\"}");
        check(http.post("/admin/projects/nope/keys", TestServer.ADMIN_TOKEN, "{}"), 404,
                "{\"error\":\"no project with slug 'nope'; list projects with GET /admin/projects\"}");
    }

    @Test
    void unknownEndpointsAnswerJson() {
        check(http.get("/api/nope", key), 404, "{\"error\":\"no such endpoint: GET /api/nope\"}");
    }

    @Test
    void healthAndReadiness() {
        check(http.get("/healthz", null), 200, "{\"status\":\"ok\"}");
        HttpJson.Response ready = http.get("/readyz", null);
        assertEquals(200, ready.status(), ready.body());
        assertTrue(ready.body().startsWith("{\"status\":\"ready\",\"checks\":{\"metadata\":\"ok\",\"dataDir\":\"ok\",\"wal\":\"ok\"}"),
                ready.body());
        assertEquals("ok", ready.json().get("disk").get("ingest").asText(), ready.body());
        assertTrue(http.get("/metrics", null).body().contains("larch_head_events"));
    }
}
