package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Elasticsearch bulk API's edges, with hand-made bodies (the real shippers' own requests are
 * in RsyslogElasticsearchTest and SyslogNgElasticsearchTest): the ES-shaped answers, refusals
 * and per-item errors, gzip, basic auth, the probes, and {@code GET /} shared with the dashboard.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ElasticsearchBulkApiTest {
    private TestServer server;
    private HttpJson http;
    private String key;
    private String readOnlyKey;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        http = server.http();
        key = server.createProject("Shop");
        HttpJson.Response created = http.post("/admin/projects/shop/keys", TestServer.ADMIN_TOKEN, "{\"scopes\":[\"read\"]}");
        assertEquals(201, created.status(), created.body());
        readOnlyKey = created.json().get("key").asText();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private HttpJson.Response bulk(String path, String credential, String body) {
        return http.post(path, credential, "application/x-ndjson", body.getBytes(StandardCharsets.UTF_8));
    }

    /** The one event whose message has {@code word}. */
    private JsonNode find(String word) {
        HttpJson.Response found = http.get("/api/log", key, Map.of("q", word));
        assertEquals(200, found.status(), found.body());
        assertEquals(1, found.json().get("events").size(), found.body());
        return found.json().get("events").get(0);
    }

    @Test
    void indexAndCreateActionsAreStoredAndAnsweredPerItem() {
        long anHourAgo = System.currentTimeMillis() - 3_600_000L;
        HttpJson.Response answer = bulk("/_bulk", key, """
                {"index":{"_index":"web-2026.12.04"}}
                {"@timestamp":"2026-12-04T10:15:30.123Z","message":"checkout alphaword done","log":{"level":"WARNING"},"service":{"name":"checkout"},"http":{"status":502,"method":"POST"},"trace":{"id":"t-1"},"user":{"id":"u-7"}}
                {"create":{"_index":"web-2026.12.04","_id":"mine-1"}}
                {"timestamp":%d,"log":"betaword from the log field","severity":"crit","host":{"name":"box-1"},"error":{"stack_trace":"java.lang.IllegalStateException\\n\\tat A.b(A.java:1)"}}
                """.formatted(anHourAgo));
        assertEquals(200, answer.status(), answer.body());
        assertEquals("Elasticsearch", answer.header("X-Elastic-Product"));
        JsonNode json = answer.json();
        assertFalse(json.get("errors").asBoolean(), answer.body());
        assertTrue(json.get("took").isNumber());
        JsonNode first = json.get("items").get(0).get("index");
        assertEquals("web-2026.12.04", first.get("_index").asText());
        assertEquals(201, first.get("status").asInt());
        assertEquals("created", first.get("result").asText());
        assertEquals(20, first.get("_id").asText().length(), "a generated id in Elasticsearch's style");
        assertEquals("mine-1", json.get("items").get(1).get("create").get("_id").asText());

        JsonNode alpha = find("alphaword");
        assertEquals("2026-12-04T10:15:30.123Z", alpha.get("ts").asText());
        assertEquals("warn", alpha.get("level").asText());
        assertEquals("checkout", alpha.get("source").asText());
        assertEquals("t-1", alpha.get("traceId").asText());
        assertEquals("u-7", alpha.get("userId").asText());
        assertEquals("web-2026.12.04", alpha.get("attrs").get("index").asText());
        assertEquals("502", alpha.get("attrs").get("http.status").asText());
        assertEquals("POST", alpha.get("attrs").get("http.method").asText());
        assertFalse(alpha.get("attrs").has("log.level"), "the level field is consumed");

        JsonNode beta = find("betaword");
        assertEquals("betaword from the log field", beta.get("message").asText());
        assertEquals(java.time.Instant.ofEpochMilli(anHourAgo).toString(), beta.get("ts").asText(), "epoch milliseconds");
        assertEquals("fatal", beta.get("level").asText());
        assertEquals("box-1", beta.get("source").asText());
        assertTrue(beta.get("stack").asText().startsWith("java.lang.IllegalStateException"), beta.toString());
    }

    @Test
    void theIndexInThePathIsTheDefaultAndADocumentWithoutMessageIsKeptWhole() {
        HttpJson.Response answer = bulk("/app-logs/_bulk", key, """
                {"index":{}}
                {"event":"gammaword","count":3,"ok":true}
                """);
        assertEquals(200, answer.status(), answer.body());
        assertEquals("app-logs", answer.json().get("items").get(0).get("index").get("_index").asText());
        JsonNode gamma = find("gammaword");
        assertEquals("{\"event\":\"gammaword\",\"count\":3,\"ok\":true}", gamma.get("message").asText());
        assertEquals("app-logs", gamma.get("attrs").get("index").asText());
        assertEquals("3", gamma.get("attrs").get("count").asText());
        assertEquals("info", gamma.get("level").asText());
    }

    @Test
    void deleteAndUpdateActionsGetAPerItemErrorAndTheRestIsStored() {
        HttpJson.Response answer = bulk("/_bulk", key, """
                {"delete":{"_index":"web","_id":"1"}}
                {"update":{"_index":"web","_id":"2"}}
                {"doc":{"message":"never"}}
                {"index":{"_index":"web"}}
                {"message":"deltaword kept"}
                """);
        assertEquals(200, answer.status(), answer.body());
        JsonNode json = answer.json();
        assertTrue(json.get("errors").asBoolean());
        JsonNode delete = json.get("items").get(0).get("delete");
        assertEquals(400, delete.get("status").asInt());
        assertEquals("1", delete.get("_id").asText());
        assertEquals("illegal_argument_exception", delete.get("error").get("type").asText());
        assertTrue(delete.get("error").get("reason").asText().contains("append-only"), answer.body());
        assertEquals(400, json.get("items").get(1).get("update").get("status").asInt());
        assertEquals(201, json.get("items").get(2).get("index").get("status").asInt());
        assertEquals("deltaword kept", find("deltaword").get("message").asText());
    }

    @Test
    void anInvalidDocumentIsAMapperErrorOfItsItemOnly() {
        HttpJson.Response answer = bulk("/_bulk", key, """
                {"index":{"_index":"web"}}
                {"message":"epsilonword early","@timestamp":"yesterday at noon"}
                {"index":{"_index":"web"}}
                not json at all
                {"index":{}}
                {"message":"no index anywhere"}
                {"index":{"_index":"web"}}
                {"message":"epsilonword stored"}
                {"index":{"_index":"web"}}
                {"message":"epsilonword %s"}
                """.formatted("x".repeat(33 * 1024)));
        assertEquals(200, answer.status(), answer.body());
        JsonNode items = answer.json().get("items");
        assertTrue(answer.json().get("errors").asBoolean());
        JsonNode badTime = items.get(0).get("index");
        assertEquals(400, badTime.get("status").asInt());
        assertEquals("mapper_parsing_exception", badTime.get("error").get("type").asText());
        assertTrue(badTime.get("error").get("reason").asText().contains("ISO-8601"), answer.body());
        assertEquals("mapper_parsing_exception", items.get(1).get("index").get("error").get("type").asText());
        assertTrue(items.get(1).get("index").get("error").get("reason").asText().contains("line [4]"), answer.body());
        assertEquals("action_request_validation_exception", items.get(2).get("index").get("error").get("type").asText());
        assertEquals(201, items.get(3).get("index").get("status").asInt());
        assertTrue(items.get(4).get("index").get("error").get("reason").asText().contains("message"), answer.body());
        assertEquals("epsilonword stored", find("epsilonword").get("message").asText());
    }

    @Test
    void aBodyThatIsNotActionDocumentPairsIsRefusedWholeAsElasticsearchDoes() {
        HttpJson.Response notJson = bulk("/_bulk", key, "this is not ndjson\n");
        assertEquals(400, notJson.status(), notJson.body());
        assertEquals("illegal_argument_exception", notJson.json().get("error").get("type").asText());
        assertTrue(notJson.json().get("error").get("reason").asText().contains("line [1]"), notJson.body());
        assertEquals(400, notJson.json().get("status").asInt());

        HttpJson.Response unknownAction = bulk("/_bulk", key, "{\"upsert\":{}}\n{\"message\":\"x\"}\n");
        assertEquals(400, unknownAction.status());
        assertTrue(unknownAction.json().get("error").get("reason").asText()
                .contains("expected one of [create, delete, index, update] but found [upsert]"), unknownAction.body());

        HttpJson.Response noDocument = bulk("/_bulk", key, "{\"index\":{\"_index\":\"web\"}}\n");
        assertEquals(400, noDocument.status());
        assertTrue(noDocument.json().get("error").get("reason").asText().contains("no document line"), noDocument.body());

        HttpJson.Response empty = bulk("/_bulk", key, "\n");
        assertEquals(400, empty.status());
        assertEquals("action_request_validation_exception", empty.json().get("error").get("type").asText());
    }

    @Test
    void gzipBodiesWithBasicAuthAreTaken() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write("{\"index\":{\"_index\":\"zipped\"}}\n{\"message\":\"zetaword compressed\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        String basic = "Basic " + Base64.getEncoder().encodeToString(("elastic:" + key).getBytes(StandardCharsets.UTF_8));
        HttpJson.Response answer = http.send(HttpRequest.newBuilder(http.uri("/_bulk"))
                .header("Content-Type", "application/json").header("Content-Encoding", "gzip").header("Authorization", basic)
                .POST(HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray())), null);
        assertEquals(200, answer.status(), answer.body());
        assertFalse(answer.json().get("errors").asBoolean(), answer.body());
        assertEquals("zipped", find("zetaword").get("attrs").get("index").asText());

        HttpJson.Response notGzip = http.send(HttpRequest.newBuilder(http.uri("/_bulk"))
                .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofString("plain")), key);
        assertEquals(400, notGzip.status());
        assertTrue(notGzip.json().get("error").get("reason").asText().contains("not valid gzip"), notGzip.body());
    }

    @Test
    void aWrongKeyIs401AndAKeyWithoutIngestIs403() {
        String wrong = "Basic " + Base64.getEncoder().encodeToString("elastic:larch_wrong".getBytes(StandardCharsets.UTF_8));
        HttpJson.Response unknown = http.send(HttpRequest.newBuilder(http.uri("/_bulk"))
                .header("Authorization", wrong).POST(HttpRequest.BodyPublishers.ofString("{\"index\":{}}\n{}\n")), null);
        assertEquals(401, unknown.status(), unknown.body());
        assertEquals(401, http.get("/_cluster/health", null).status(), "the health probe checks the key too");
        HttpJson.Response readOnly = bulk("/_bulk", readOnlyKey, "{\"index\":{\"_index\":\"web\"}}\n{\"message\":\"m\"}\n");
        assertEquals(403, readOnly.status(), readOnly.body());
        assertTrue(readOnly.body().contains("lacks the 'ingest' scope"), readOnly.body());
    }

    @Test
    void pastTheProjectsEventLimitTheAnswerIs429WithRetryAfterWhichShippersRetry() {
        String limitedKey = server.createProject("Limited");
        HttpJson.Response limited = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/limited/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"limits\":{\"eventsPerMinute\":5}}")), TestServer.ADMIN_TOKEN);
        assertEquals(200, limited.status(), limited.body());
        String threeDocuments = "{\"index\":{\"_index\":\"web\"}}\n{\"message\":\"a\"}\n".repeat(3);
        assertEquals(200, bulk("/_bulk", limitedKey, threeDocuments).status());
        HttpJson.Response refused = bulk("/_bulk", limitedKey, threeDocuments);
        assertEquals(429, refused.status(), refused.body());
        assertTrue(Long.parseLong(refused.header("Retry-After")) >= 1, refused.header("Retry-After"));
    }

    @Test
    void aRequestOfManyChunksIsAdmittedWholeSoARetryAfter429StoresNothingTwice() {
        String chunkedKey = server.createProject("Chunked");
        HttpJson.Response limited = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/chunked/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"limits\":{\"eventsPerMinute\":400}}")), TestServer.ADMIN_TOKEN);
        assertEquals(200, limited.status(), limited.body());
        String tooMany = "{\"index\":{}}\n{\"message\":\"chunked overlimit\"}\n".repeat(401);
        HttpJson.Response refused = bulk("/chunked/_bulk", chunkedKey, tooMany);
        assertEquals(413, refused.status(), refused.body());
        assertTrue(refused.body().contains("lower the shipper's batch size"), refused.body());
        // 260 documents are two native chunks; the second request does not fit in what is left.
        String twoChunks = "{\"index\":{}}\n{\"message\":\"chunked retried\"}\n".repeat(260);
        assertEquals(200, bulk("/chunked/_bulk", chunkedKey, twoChunks).status());
        HttpJson.Response secondRefused = bulk("/chunked/_bulk", chunkedKey, twoChunks);
        assertEquals(429, secondRefused.status(), secondRefused.body());
        long stored = http.get("/api/log/stats", chunkedKey, Map.of("q", "chunked")).json().get("total").asLong();
        assertEquals(260, stored, "the refused request stored none of its chunks (a shipper's retry would repeat them)");
    }

    @Test
    void theRootAnswersBrowsersWithTheDashboardAndClientsWithTheCluster() {
        HttpJson.Response browser = http.send(HttpRequest.newBuilder(http.uri("/"))
                .header("Accept", "text/html,application/xhtml+xml,application/json;q=0.9").GET(), null);
        assertEquals(200, browser.status());
        assertTrue(browser.header("Content-Type").startsWith("text/html"), browser.header("Content-Type"));

        HttpJson.Response client = http.get("/", key);
        assertEquals(200, client.status(), client.body());
        assertEquals("Elasticsearch", client.header("X-Elastic-Product"));
        assertEquals("8.11.0", client.json().get("version").get("number").asText());
        assertEquals("You Know, for Search", client.json().get("tagline").asText());
        HttpJson.Response asksJson = http.send(HttpRequest.newBuilder(http.uri("/")).header("Accept", "application/json").GET(), null);
        assertEquals("larch", asksJson.json().get("cluster_name").asText());
        HttpJson.Response head = http.send(HttpRequest.newBuilder(http.uri("/")).header("Authorization", "Bearer " + key)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()), null);
        // Javalin answers HEAD with 200 wherever a GET route exists: a client's ping finds the server up.
        assertEquals(200, head.status());
    }

    @Test
    void theProbesShippersCallAnswerAsAClusterWould() {
        assertEquals("green", http.get("/_cluster/health", key).json().get("status").asText());
        assertEquals("active", http.get("/_license", key).json().get("license").get("status").asText());
        assertEquals("active", http.get("/_xpack", key).json().get("license").get("status").asText());
        assertEquals(1, http.get("/_nodes/http", key).json().get("_nodes").get("total").asInt());
        HttpJson.Response template = http.send(HttpRequest.newBuilder(http.uri("/_index_template/logs"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"index_patterns\":[\"logs-*\"]}")), key);
        assertEquals(200, template.status(), template.body());
        assertTrue(template.json().get("acknowledged").asBoolean());
    }
}
