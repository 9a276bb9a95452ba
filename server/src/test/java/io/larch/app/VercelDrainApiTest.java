package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Vercel log drain into a real Larch: bodies in the JSON delivery format of Vercel's docs,
 * signed the way Vercel's docs verify them (node's {@code crypto.createHmac('sha1', secret)
 * .update(rawBody).digest('hex')}, run by node), found by search with kind, ids and attrs; and
 * every refusal with its status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VercelDrainApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private static final String SECRET = "drain-secret-0123456789";
    private static final String VERIFY = "5f0d6c1e2b7a4d9c8e3f";
    private TestServer server;
    private HttpJson http;
    private String key;
    private String unconfiguredKey;
    private Path tmp;

    @BeforeAll
    void start(@TempDir Path dataDir) throws IOException {
        server = TestServer.start(dataDir.resolve("data"));
        tmp = dataDir;
        http = server.http();
        key = server.createProject("Shop");
        unconfiguredKey = server.createProject("Bare");
        HttpJson.Response settings = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/shop/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"vercelDrainSecret\":\"" + SECRET + "\",\"vercelVerify\":\""
                        + VERIFY + "\"}")), ADMIN);
        assertEquals(200, settings.status(), settings.body());
        assertEquals("(set)", settings.json().get("vercelDrainSecret").asText(), "never shown back");
        assertEquals(VERIFY, settings.json().get("vercelVerify").asText());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** The x-vercel-signature of {@code body}, computed by node exactly as Vercel's drain security docs do. */
    private String vercelSignature(String secret, String body) throws IOException, InterruptedException {
        Path file = Files.writeString(tmp.resolve("body-" + System.nanoTime()), body);
        Process node = new ProcessBuilder("node", "-e", "const crypto = require('crypto');"
                + "const raw = require('fs').readFileSync(process.argv[1], 'utf-8');"
                + "process.stdout.write(crypto.createHmac('sha1', process.argv[2]).update(Buffer.from(raw, 'utf-8')).digest('hex'));",
                file.toString(), secret).redirectErrorStream(true).start();
        assertTrue(node.waitFor(20, TimeUnit.SECONDS), "node did not finish");
        String signature = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, node.exitValue(), signature);
        return signature;
    }

    private HttpJson.Response drain(String credential, String contentType, String body, String signature) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri("/ingest/vercel")).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) {
            request.header("x-vercel-signature", signature);
        }
        return http.send(request, credential);
    }

    private JsonNode findOne(String q) {
        HttpJson.Response response = http.get("/api/log", key, Map.of("q", q));
        assertEquals(200, response.status(), response.body());
        JsonNode events = response.json().get("events");
        assertEquals(1, events.size(), q + ": " + events);
        return events.get(0);
    }

    @Test
    void aSignedJsonArrayIsStoredWithKindIdsAndAttrs() throws Exception {
        long now = System.currentTimeMillis();
        String body = "[{\"id\":\"1573817187330377061717300000\",\"message\":\"arraybuild Running build in Washington, D.C.\","
                + "\"timestamp\":" + now + ",\"type\":\"stdout\",\"source\":\"build\",\"projectId\":\"prj_abc\","
                + "\"deploymentId\":\"dpl_233NRGRjVZX1caZrXWtz5g1TAksD\",\"buildId\":\"bld_cotnkcr76\","
                + "\"host\":\"shop-1234.vercel.app\",\"entrypoint\":\"api/index.js\"},"
                + "{\"id\":\"1573817250283254651097202070\",\"message\":\"arraylambda upstream timed out\",\"timestamp\":" + now
                + ",\"requestId\":\"894xj-1573817250172-7847d20a4939\",\"statusCode\":504,\"source\":\"lambda\","
                + "\"projectId\":\"prj_abc\",\"deploymentId\":\"dpl_233NRGRjVZX1caZrXWtz5g1TAksD\",\"host\":\"shop-1234.vercel.app\","
                + "\"path\":\"/api/checkout\",\"proxy\":{\"timestamp\":" + now + ",\"method\":\"POST\",\"scheme\":\"https\","
                + "\"host\":\"shop.example.com\",\"path\":\"/api/checkout\",\"userAgent\":[\"Mozilla/5.0\"],\"referer\":\"https://shop.example.com\","
                + "\"statusCode\":504,\"clientIp\":\"120.75.16.101\",\"region\":\"sfo1\",\"vercelCache\":\"MISS\"}},"
                + "{\"id\":\"3\",\"timestamp\":" + now + ",\"source\":\"static\",\"projectId\":\"prj_abc\","
                + "\"deploymentId\":\"dpl_233NRGRjVZX1caZrXWtz5g1TAksD\",\"path\":\"/arraymissing.png\",\"statusCode\":404,"
                + "\"proxy\":{\"method\":\"GET\",\"path\":\"/arraymissing.png\",\"statusCode\":404}}]";
        HttpJson.Response response = drain(key, "application/json", body, vercelSignature(SECRET, body));
        assertEquals(200, response.status(), response.body());
        assertEquals(3, response.json().get("accepted").asInt(), response.body());
        assertEquals(VERIFY, response.header("x-vercel-verify"));

        JsonNode build = findOne("arraybuild");
        assertEquals("build", build.get("kind").asText());
        assertEquals("bld_cotnkcr76", build.get("buildId").asText());
        assertEquals("dpl_233NRGRjVZX1caZrXWtz5g1TAksD", build.get("deploymentId").asText());
        assertEquals("build", build.get("attrs").get("vercelSource").asText());
        assertEquals("stdout", build.get("attrs").get("vercelType").asText());
        assertEquals("api/index.js", build.get("attrs").get("entrypoint").asText());
        assertEquals(now, java.time.Instant.parse(build.get("ts").asText()).toEpochMilli());
        findOne("kind:build build:bld_cotnkcr76");

        JsonNode lambda = findOne("arraylambda");
        assertEquals("app", lambda.get("kind").asText());
        assertEquals("error", lambda.get("level").asText(), "a 5xx is an error");
        assertEquals("prj_abc", lambda.get("source").asText());
        JsonNode attrs = lambda.get("attrs");
        assertEquals("lambda", attrs.get("vercelSource").asText());
        assertEquals("894xj-1573817250172-7847d20a4939", attrs.get("requestId").asText());
        assertEquals(504, attrs.get("statusCode").asInt());
        assertEquals("/api/checkout", attrs.get("path").asText());
        assertEquals("POST", attrs.get("proxy.method").asText());
        assertEquals("Mozilla/5.0", attrs.get("proxy.userAgent").asText());
        assertEquals("sfo1", attrs.get("proxy.region").asText());
        findOne("deployment:dpl_233NRGRjVZX1caZrXWtz5g1TAksD attrs.vercelSource:lambda");

        JsonNode missing = findOne("attrs.vercelSource:static");
        assertEquals("warn", missing.get("level").asText(), "a 4xx is a warning");
        assertEquals("GET /arraymissing.png 404", missing.get("message").asText(), "an entry without a message reads as a request");
    }

    @Test
    void ndjsonIsAcceptedAsWell() throws Exception {
        String body = "{\"id\":\"n1\",\"message\":\"ndjsonfirst\",\"timestamp\":" + System.currentTimeMillis()
                + ",\"source\":\"edge\",\"level\":\"warning\",\"deploymentId\":\"dpl_n\"}\n"
                + "{\"id\":\"n2\",\"message\":\"ndjsonsecond\",\"timestamp\":" + System.currentTimeMillis()
                + ",\"source\":\"firewall\",\"deploymentId\":\"dpl_n\"}\n";
        HttpJson.Response response = drain(key, "application/x-ndjson", body, vercelSignature(SECRET, body));
        assertEquals(200, response.status(), response.body());
        assertEquals(2, response.json().get("accepted").asInt());
        assertEquals("warn", findOne("ndjsonfirst").get("level").asText());
        assertEquals("firewall", findOne("ndjsonsecond").get("attrs").get("vercelSource").asText());
    }

    @Test
    void theVerificationCodeIsAnsweredOnGet() {
        HttpJson.Response response = http.get("/ingest/vercel", key);
        assertEquals(200, response.status(), response.body());
        assertEquals(VERIFY, response.header("x-vercel-verify"));
    }

    @Test
    void aWrongOrMissingSignatureIsRefusedAndNothingIsStored() throws Exception {
        String body = "[{\"id\":\"x\",\"message\":\"forgedentry\",\"timestamp\":" + System.currentTimeMillis() + ",\"source\":\"lambda\"}]";
        HttpJson.Response wrong = drain(key, "application/json", body, vercelSignature("another-secret", body));
        assertEquals(403, wrong.status(), wrong.body());
        assertTrue(wrong.body().contains("x-vercel-signature does not match the body"), wrong.body());
        HttpJson.Response tampered = drain(key, "application/json", body.replace("forgedentry", "forgedentrx"),
                vercelSignature(SECRET, body));
        assertEquals(403, tampered.status(), tampered.body());
        HttpJson.Response missing = drain(key, "application/json", body, null);
        assertEquals(403, missing.status(), missing.body());
        assertTrue(missing.body().contains("x-vercel-signature is missing"), missing.body());
        HttpJson.Response noSecret = drain(unconfiguredKey, "application/json", body, vercelSignature(SECRET, body));
        assertEquals(403, noSecret.status(), noSecret.body());
        assertTrue(noSecret.body().contains("vercelDrainSecret"), noSecret.body());
        assertEquals(0, http.get("/api/log", key, Map.of("q", "forgedentry OR forgedentrx")).json().get("events").size());
    }

    @Test
    void aWrongKeyIs401AKeyWithoutIngestScope403AndABadBody400() throws Exception {
        String body = "[{\"message\":\"m\"}]";
        String signature = vercelSignature(SECRET, body);
        assertEquals(401, drain("larch_0000000000000000000000000000000000000000", "application/json", body, signature).status());
        assertEquals(401, drain(null, "application/json", body, signature).status());
        String readOnly = http.post("/admin/projects/shop/keys", ADMIN, "{\"scopes\":[\"read\"]}").json().get("key").asText();
        assertEquals(403, drain(readOnly, "application/json", body, signature).status());
        String bad = "[{\"message\":\"m\"},";
        HttpJson.Response broken = drain(key, "application/json", bad, vercelSignature(SECRET, bad));
        assertEquals(400, broken.status(), broken.body());
        assertTrue(broken.body().contains("not a JSON array or NDJSON of log drain entries"), broken.body());
        String scalar = "[1]";
        HttpJson.Response notObjects = drain(key, "application/json", scalar, vercelSignature(SECRET, scalar));
        assertEquals(400, notObjects.status(), notObjects.body());
        assertTrue(notObjects.body().contains("entry 0: a log drain entry must be a JSON object"), notObjects.body());
    }

    @Test
    void settingsRefuseAVerificationCodeThatCannotBeAHeader() {
        HttpJson.Response response = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/shop/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"vercelVerify\":\"two words\"}")), ADMIN);
        assertEquals(400, response.status(), response.body());
        assertTrue(response.body().contains("vercelVerify:"), response.body());
    }
}
