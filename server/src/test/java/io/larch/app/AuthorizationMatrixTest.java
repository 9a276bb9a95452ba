package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.http.DeclaredRoute;
import io.larch.testing.HttpJson;
import io.larch.testing.SseClient;
import io.larch.testing.MutableClock;
import io.larch.testing.TestServer;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route the server declares, called with no credential, a key of another project, a key of
 * the right project without the needed scope, a revoked key, an expired viewer token, a live
 * viewer token where one does not belong, and the right credential. The expected answer of each
 * follows from the route's declared access alone, so a new route is covered once it has an
 * example request here (the test fails for a route without one).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    /** What other nodes present to /internal/ routes. */
    private static final String CLUSTER_SECRET = "matrix-cluster-secret-0123456789";
    private final MutableClock clock = MutableClock.at("2026-12-02T10:00:00Z");
    private TestServer server;
    private HttpJson http;
    /** Keys of project "shop", one per scope, one with every scope, and a revoked one. */
    private final Map<String, String> shopKeys = new LinkedHashMap<>();
    private String otherProjectKey;
    private String viewerToken;
    private String expiredViewerToken;
    private String matrixEntryId;
    private boolean matrixBuildIngested;
    private boolean matrixVercelSecretSet;
    private String matrixEraseId;
    private com.sun.net.httpserver.HttpServer receiver;

    /** One request to a route: the path with its placeholders filled, a body for POST and PUT, and headers it needs. */
    private record Example(String path, String body, Map<String, String> headers) {
        Example(String path, String body) {
            this(path, body, Map.of());
        }
    }

    @BeforeAll
    void start(@TempDir Path dataDir) {
        // The Vercel follows it makes call a port that refuses connections, not Vercel.
        server = TestServer.start(dataDir, Map.of("LARCH_ALERT_PRIVATE_TARGETS", "on", "LARCH_VERCEL_API_URL",
                "http://127.0.0.1:9", "LARCH_CLUSTER_SECRET", CLUSTER_SECRET), clock);
        http = server.http();
        HttpJson.Response shop = http.post("/admin/projects", ADMIN, "{\"name\":\"Shop\",\"slug\":\"shop\"}");
        assertEquals(201, shop.status(), "creating project shop: " + shop.body());
        otherProjectKey = http.post("/admin/projects", ADMIN, "{\"name\":\"Other\",\"slug\":\"other\"}").json()
                .get("key").asText();
        for (String scopes : List.of("ingest", "read", "admin", "ingest,read,admin")) {
            shopKeys.put(scopes, newShopKey(scopes));
        }
        String revoked = newShopKey("ingest,read,admin");
        HttpJson.Response revocation = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/shop/keys/"
                + revoked.substring(0, 14))).DELETE(), ADMIN);
        assertEquals(204, revocation.status(), revocation.body());
        shopKeys.put("revoked", revoked);
        expiredViewerToken = mintToken("u1", "1m");
        clock.advance(Duration.ofMinutes(2));
        viewerToken = mintToken("u1", "15m");
    }

    @AfterAll
    void stop() {
        server.close();
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    private String newShopKey(String scopes) {
        String list = "[\"" + String.join("\",\"", scopes.split(",")) + "\"]";
        HttpJson.Response created = http.post("/admin/projects/shop/keys", ADMIN, "{\"scopes\":" + list + "}");
        assertEquals(201, created.status(), created.body());
        return created.json().get("key").asText();
    }

    /** A merge rule of project shop, made for one deletion. */
    private String newShopMerge() {
        String fingerprint = "fp-" + System.nanoTime();
        HttpJson.Response created = http.post("/admin/projects/shop/fingerprints/merges", ADMIN,
                "{\"fingerprint\":\"" + fingerprint + "\",\"into\":\"fp-target\"}");
        assertEquals(201, created.status(), created.body());
        return fingerprint;
    }

    private String mintToken(String user, String ttl) {
        HttpJson.Response minted = http.post("/api/tokens", shopKeys.get("read"),
                "{\"userId\":\"" + user + "\",\"ttl\":\"" + ttl + "\"}");
        assertEquals(201, minted.status(), minted.body());
        return minted.json().get("token").asText();
    }

    /** A request each route answers with 2xx when the credential is right. */
    private Map<String, Supplier<Example>> examples() {
        Map<String, Supplier<Example>> examples = new LinkedHashMap<>();
        examples.put("GET /healthz", () -> new Example("/healthz", null));
        examples.put("GET /readyz", () -> new Example("/readyz", null));
        examples.put("GET /metrics", () -> new Example("/metrics", null));
        examples.put("GET /", () -> new Example("/", null));
        examples.put("GET /demo/chat", () -> new Example("/demo/chat", null));
        examples.put("GET /assets/{file}", () -> new Example("/assets/app.js", null));
        examples.put("GET /widget/larch-work-log.js", () -> new Example("/widget/larch-work-log.js", null));
        examples.put("GET /api/session", () -> new Example("/api/session", null));
        examples.put("POST /_bulk", () -> new Example("/_bulk?project=shop", "{\"index\":{\"_index\":\"matrix\"}}\n{\"message\":\"m\"}\n"));
        examples.put("POST /{index}/_bulk", () -> new Example("/matrix/_bulk?project=shop", "{\"index\":{}}\n{\"message\":\"m\"}\n"));
        examples.put("GET /_cluster/health", () -> new Example("/_cluster/health?project=shop", null));
        examples.put("GET /_license", () -> new Example("/_license?project=shop", null));
        examples.put("GET /_xpack", () -> new Example("/_xpack?project=shop", null));
        examples.put("GET /_nodes/http", () -> new Example("/_nodes/http?project=shop", null));
        examples.put("PUT /_template/{name}", () -> new Example("/_template/matrix?project=shop", "{}"));
        examples.put("PUT /_index_template/{name}", () -> new Example("/_index_template/matrix?project=shop", "{}"));
        examples.put("POST /loki/api/v1/push", () -> new Example("/loki/api/v1/push?project=shop",
                "{\"streams\":[{\"stream\":{\"app\":\"matrix\"},\"values\":[[\"1796205600000000000\",\"matrix loki line\"]]}]}"));
        examples.put("POST /ingest/vercel", () -> vercelDrainExample("[{\"message\":\"matrix vercel\",\"source\":\"lambda\"}]"));
        examples.put("GET /ingest/vercel", () -> new Example("/ingest/vercel?project=shop", null));
        examples.put("POST /admin/projects/{slug}/vercel/follow", () -> new Example("/admin/projects/shop/vercel/follow",
                "{\"deploymentId\":\"dpl_matrix\",\"token\":\"matrix-token\"}"));
        examples.put("GET /admin/projects/{slug}/vercel/follow", () -> new Example("/admin/projects/shop/vercel/follow", null));
        examples.put("DELETE /admin/projects/{slug}/vercel/follow/{deploymentId}", () -> new Example(
                "/admin/projects/shop/vercel/follow/" + newShopFollow(), null));
        examples.put("POST /v1/logs", () -> new Example("/v1/logs?project=shop", "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"m\"}}]}]}]}"));
        examples.put("GET /api/client-config", () -> new Example("/api/client-config?project=shop", null));
        examples.put("POST /api/log", () -> new Example("/api/log?project=shop", "{\"events\":[{\"message\":\"m\"}]}"));
        examples.put("GET /api/log", () -> new Example("/api/log?project=shop", null));
        examples.put("GET /api/work-log/list", () -> new Example("/api/work-log/list?project=shop&userId=u1", null));
        examples.put("GET /internal/head", () -> new Example("/internal/head?after=0000000000000&limit=10", null));
        examples.put("GET /api/log/stream", () -> new Example("/api/log/stream?project=shop", null));
        examples.put("GET /api/work-log/stream", () -> new Example("/api/work-log/stream?project=shop&userId=u1", null));
        examples.put("POST /api/work-log/create", () -> new Example("/api/work-log/create?project=shop",
                "{\"userId\":\"u-matrix\",\"message\":\"matrix entry\"}"));
        examples.put("POST /api/work-log/update", () -> new Example("/api/work-log/update?project=shop",
                "{\"entryId\":\"" + matrixEntry() + "\",\"status\":\"success\"}"));
        examples.put("GET /api/work-log/stats", () -> new Example("/api/work-log/stats?project=shop&userId=u1", null));
        examples.put("POST /api/tokens", () -> new Example("/api/tokens?project=shop", "{\"userId\":\"u1\"}"));
        examples.put("GET /api/builds/{buildId}/logs", () -> new Example("/api/builds/" + matrixBuild() + "/logs?project=shop", null));
        examples.put("GET /api/builds/{buildId}/logs.ndjson.gz", () -> new Example("/api/builds/" + matrixBuild()
                + "/logs.ndjson.gz?project=shop", null));
        examples.put("GET /api/deployments/{deploymentId}/logs", () -> new Example("/api/deployments/" + matrixBuild()
                + "/logs?project=shop", null));
        examples.put("GET /api/deployments/{deploymentId}/logs.ndjson.gz", () -> new Example("/api/deployments/"
                + matrixBuild() + "/logs.ndjson.gz?project=shop", null));
        examples.put("GET /api/log/histogram", () -> new Example("/api/log/histogram?project=shop", null));
        examples.put("GET /api/log/top", () -> new Example("/api/log/top?project=shop", null));
        examples.put("GET /api/log/stats", () -> new Example("/api/log/stats?project=shop", null));
        examples.put("POST /admin/projects", () -> new Example("/admin/projects",
                "{\"name\":\"p" + System.nanoTime() + "\"}"));
        examples.put("GET /admin/projects", () -> new Example("/admin/projects", null));
        examples.put("POST /admin/projects/{slug}/keys", () -> new Example("/admin/projects/shop/keys",
                "{\"scopes\":[\"read\"]}"));
        examples.put("GET /admin/projects/{slug}/keys", () -> new Example("/admin/projects/shop/keys", null));
        examples.put("DELETE /admin/projects/{slug}/keys/{prefix}", () -> new Example("/admin/projects/shop/keys/"
                + newShopKey("read").substring(0, 14), null));
        examples.put("POST /admin/maintain", () -> new Example("/admin/maintain", ""));
        examples.put("GET /admin/storage", () -> new Example("/admin/storage", null));
        examples.put("GET /config", () -> new Example("/config", null));
        examples.put("GET /admin/projects/{slug}/settings", () -> new Example("/admin/projects/shop/settings", null));
        examples.put("PUT /admin/projects/{slug}/settings", () -> new Example("/admin/projects/shop/settings",
                "{\"redaction\":\"on\"}"));
        examples.put("POST /admin/projects/{slug}/signing-secret", () -> new Example("/admin/projects/shop/signing-secret", ""));
        examples.put("GET /admin/audit", () -> new Example("/admin/audit?project=shop", null));
        examples.put("GET /admin/projects/{slug}/retention", () -> new Example("/admin/projects/shop/retention", null));
        examples.put("PUT /admin/projects/{slug}/retention", () -> new Example("/admin/projects/shop/retention",
                "{\"preset\":\"default\"}"));
        examples.put("POST /admin/purge", () -> new Example("/admin/purge", ""));
        examples.put("GET /api/stats/system", () -> new Example("/api/stats/system", null));
        examples.put("POST /admin/erase", () -> new Example("/admin/erase?project=shop",
                "{\"userId\":\"u-matrix-erase\",\"project\":\"shop\"}"));
        examples.put("GET /admin/erase", () -> new Example("/admin/erase?project=shop", null));
        examples.put("GET /admin/erase/{id}", () -> new Example("/admin/erase/" + matrixErase() + "?project=shop", null));
        examples.put("GET /api/fingerprints", () -> new Example("/api/fingerprints?project=shop", null));
        examples.put("GET /admin/projects/{slug}/fingerprints/merges", () -> new Example(
                "/admin/projects/shop/fingerprints/merges", null));
        examples.put("POST /admin/projects/{slug}/fingerprints/merges", () -> new Example(
                "/admin/projects/shop/fingerprints/merges", "{\"fingerprint\":\"fp-matrix\",\"into\":\"fp-target\"}"));
        examples.put("DELETE /admin/projects/{slug}/fingerprints/merges/{fingerprint}", () -> new Example(
                "/admin/projects/shop/fingerprints/merges/" + newShopMerge(), null));
        examples.put("GET /admin/alerts", () -> new Example("/admin/alerts?project=shop", null));
        examples.put("POST /admin/alerts", () -> new Example("/admin/alerts?project=shop",
                "{\"name\":\"matrix " + System.nanoTime() + "\",\"kind\":\"spike\"}"));
        examples.put("GET /admin/alerts/history", () -> new Example("/admin/alerts/history?project=shop", null));
        examples.put("POST /admin/alerts/reload", () -> new Example("/admin/alerts/reload", ""));
        examples.put("GET /admin/alerts/{id}", () -> new Example("/admin/alerts/" + newShopRule() + "?project=shop", null));
        examples.put("PUT /admin/alerts/{id}", () -> new Example("/admin/alerts/" + newShopRule() + "?project=shop",
                "{\"name\":\"matrix-put " + System.nanoTime() + "\",\"kind\":\"pattern\",\"query\":\"checkout\"}"));
        examples.put("DELETE /admin/alerts/{id}", () -> new Example("/admin/alerts/" + newShopRule() + "?project=shop", null));
        examples.put("POST /admin/alerts/{id}/test", () -> new Example("/admin/alerts/" + newShopRule() + "/test?project=shop", ""));
        return examples;
    }

    /** An alert rule of project shop whose one channel is a webhook receiver on loopback that accepts everything. */
    private long newShopRule() {
        if (receiver == null) {
            try {
                receiver = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            receiver.createContext("/hook", exchange -> {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            receiver.start();
        }
        HttpJson.Response created = http.post("/admin/alerts?project=shop", ADMIN, "{\"name\":\"matrix rule " + System.nanoTime()
                + "\",\"kind\":\"spike\",\"channels\":[{\"type\":\"webhook\",\"url\":\"http://127.0.0.1:"
                + receiver.getAddress().getPort() + "/hook\"}]}");
        assertEquals(201, created.status(), created.body());
        return created.json().get("id").asLong();
    }

    /** A Vercel deployment project shop follows, made for one deletion (the API it calls refuses connections). */
    private String newShopFollow() {
        String deploymentId = "dpl_matrix_" + System.nanoTime();
        HttpJson.Response created = http.post("/admin/projects/shop/vercel/follow", ADMIN,
                "{\"deploymentId\":\"" + deploymentId + "\",\"token\":\"matrix-token\"}");
        assertEquals(201, created.status(), created.body());
        return deploymentId;
    }

    /** A drain delivery to project shop signed as Vercel signs it (its drain secret set on first use). */
    private Example vercelDrainExample(String body) {
        String secret = "matrix-drain-secret";
        if (!matrixVercelSecretSet) {
            HttpJson.Response set = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/shop/settings"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"vercelDrainSecret\":\"" + secret + "\"}")), ADMIN);
            assertEquals(200, set.status(), set.body());
            matrixVercelSecretSet = true;
        }
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            String signature = java.util.HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
            return new Example("/ingest/vercel?project=shop", body, Map.of("x-vercel-signature", signature));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An erase request in project shop, made on first use, for the status example. */
    private String matrixErase() {
        if (matrixEraseId == null) {
            HttpJson.Response created = http.post("/admin/erase", ADMIN, "{\"userId\":\"u-nobody\",\"project\":\"shop\"}");
            assertEquals(202, created.status(), created.body());
            matrixEraseId = created.json().get("id").asText();
        }
        return matrixEraseId;
    }

    /** A work-log entry of project shop, made on first use, for the update example. */
    private String matrixEntry() {
        if (matrixEntryId == null) {
            HttpJson.Response created = http.post("/api/work-log/create", shopKeys.get("ingest"),
                    "{\"userId\":\"u-matrix\",\"logType\":\"tool_call\",\"status\":\"working\",\"message\":\"matrix tool call\"}");
            assertEquals(202, created.status(), created.body());
            matrixEntryId = created.json().get("entryId").asText();
        }
        return matrixEntryId;
    }

    /** A build and a deployment of project shop (both with this id), made on first use, for the build-log examples. */
    private String matrixBuild() {
        if (!matrixBuildIngested) {
            HttpJson.Response ingested = http.post("/api/log", shopKeys.get("ingest"),
                    "{\"kind\":\"build\",\"buildId\":\"mb1\",\"deploymentId\":\"mb1\",\"message\":\"matrix build\"}");
            assertEquals(202, ingested.status(), ingested.body());
            matrixBuildIngested = true;
        }
        return "mb1";
    }

    /** The credential each access accepts. */
    private String rightCredential(String access) {
        return switch (access) {
            case "PUBLIC" -> null;
            case "ADMIN_TOKEN" -> ADMIN;
            case "INGEST" -> shopKeys.get("ingest");
            case "READ", "MINT_TOKEN", "SIGNED_IN" -> shopKeys.get("read");
            case "WORK_LOG_READ" -> viewerToken;
            case "PROJECT_ADMIN" -> shopKeys.get("admin");
            case "CLUSTER" -> CLUSTER_SECRET;
            default -> throw new AssertionError("no credential known for access " + access + ": add it to this test");
        };
    }

    /** A key of the right project that lacks what the access needs. */
    private String wrongScopeKey(String access) {
        return switch (access) {
            case "INGEST" -> shopKeys.get("read");
            case "READ", "MINT_TOKEN", "WORK_LOG_READ" -> shopKeys.get("ingest");
            case "PROJECT_ADMIN" -> shopKeys.get("ingest");
            case "ADMIN_TOKEN" -> shopKeys.get("ingest,read,admin");
            case "CLUSTER" -> ADMIN;
            case "SIGNED_IN" -> null;
            default -> throw new AssertionError("no wrong-scope key known for access " + access);
        };
    }

    @Test
    void everyRouteHasAnExample() {
        List<String> missing = new ArrayList<>();
        for (DeclaredRoute route : server.larch().routes()) {
            if (!examples().containsKey(route.method() + " " + route.path())) {
                missing.add(route.method() + " " + route.path());
            }
        }
        assertTrue(missing.isEmpty(), "routes without an example in this test: " + missing);
        List<String> open = server.larch().routes().stream().filter(r -> r.access().equals("PUBLIC"))
                .map(DeclaredRoute::path).sorted().toList();
        assertEquals(List.of("/", "/assets/{file}", "/demo/chat", "/healthz", "/metrics", "/readyz", "/widget/larch-work-log.js"),
                open, "only probes, metrics and the dashboard's files (which hold no data) answer without a credential");
        server.larch().routes().stream().filter(r -> r.path().startsWith("/admin") || r.path().equals("/config"))
                .forEach(r -> assertTrue(r.access().equals("ADMIN_TOKEN") || r.access().equals("PROJECT_ADMIN"), r.toString()));
        server.larch().routes().stream().filter(r -> r.path().startsWith("/internal/") || r.access().equals("CLUSTER"))
                .forEach(r -> assertTrue(r.access().equals("CLUSTER") && r.path().startsWith("/internal/"),
                        "only the cluster secret opens /internal/ routes, and it opens nothing else: " + r));
        assertTrue(server.larch().routes().size() >= examples().size() - 1, "examples of routes that do not exist");
    }

    @Test
    void everyRouteAnswersEachCredentialAsItsAccessSays() {
        Map<String, Supplier<Example>> examples = examples();
        List<String> failures = new ArrayList<>();
        for (DeclaredRoute route : server.larch().routes()) {
            Supplier<Example> example = examples.get(route.method() + " " + route.path());
            if (example == null) {
                continue;
            }
            String name = route.method() + " " + route.path() + " (" + route.access() + ")";
            if (route.access().equals("PUBLIC")) {
                expect(failures, name + " anonymous", send(route, example.get(), null), 200);
                continue;
            }
            expect(failures, name + " with no credential", send(route, example.get(), null), 401);
            expect(failures, name + " with a revoked key", send(route, example.get(), shopKeys.get("revoked")), 401);
            expect(failures, name + " with an expired viewer token", send(route, example.get(), expiredViewerToken), 401);
            expect(failures, name + " with a made-up key", send(route, example.get(), "larch_" + "x".repeat(43)), 401);
            if (route.access().equals("SIGNED_IN")) {
                // Names no project and needs no scope: any key may ask who it is.
                expect(failures, name + " with another project's key", send(route, example.get(), otherProjectKey), 200);
            } else {
                expect(failures, name + " with another project's key", send(route, example.get(), otherProjectKey), 403);
                expect(failures, name + " with a key lacking the scope", send(route, example.get(), wrongScopeKey(route.access())), 403);
            }
            if (!route.access().equals("WORK_LOG_READ")) {
                expect(failures, name + " with a viewer token", send(route, example.get(), viewerToken), 403);
            }
            HttpJson.Response right = send(route, example.get(), rightCredential(route.access()));
            if (right.status() < 200 || right.status() > 299) {
                failures.add(name + " with the right credential: " + right.status() + " " + right.body());
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " wrong answers:\n  " + String.join("\n  ", failures));
        }
    }

    @Test
    void theClusterSecretOpensOnlyTheInternalRoutesAndIsNeverShown() {
        HttpJson.Response config = http.get("/config", ADMIN);
        assertEquals("(set)", config.json().get("LARCH_CLUSTER_SECRET").asText());
        assertTrue(!config.body().contains(CLUSTER_SECRET), "GET /config never shows the secret");
        check(http.get("/internal/head?after=0000000000000", CLUSTER_SECRET.substring(1) + "x"), 401, "cluster secret");
        check(http.get("/internal/head?after=0000000000000", null), 401, "LARCH_CLUSTER_SECRET");
        check(http.get("/internal/head?after=0000000000000", ADMIN), 403, "not the admin token");
        HttpJson.Response head = http.get("/internal/head?after=0000000000000&limit=0", CLUSTER_SECRET);
        assertEquals(200, head.status());
        check(http.get("/internal/head", CLUSTER_SECRET), 400, "after: required");
        assertEquals(401, http.get("/admin/projects", CLUSTER_SECRET).status(), "the secret is no credential anywhere else");
    }

    @Test
    void theSessionSaysWhoTheCredentialIs() {
        JsonNode key = http.get("/api/session", shopKeys.get("read")).json();
        assertEquals("key", key.get("credential").asText());
        assertEquals("shop", key.get("project").get("slug").asText());
        assertEquals("[\"read\"]", key.get("scopes").toString());
        assertEquals("admin", http.get("/api/session", ADMIN).json().get("credential").asText());
        assertEquals(403, http.get("/api/session", viewerToken).status());
        assertEquals(401, http.get("/api/session", null).status());
        String basic = java.util.Base64.getEncoder().encodeToString(("any-user:" + shopKeys.get("read")).getBytes(StandardCharsets.UTF_8));
        HttpJson.Response viaBasic = http.send(HttpRequest.newBuilder(http.uri("/api/session")).header("Authorization", "Basic " + basic), null);
        assertEquals("shop", viaBasic.json().get("project").get("slug").asText(), "basic auth with the key as the password");
        assertEquals(401, http.send(HttpRequest.newBuilder(http.uri("/api/session")).header("Authorization", "Basic %%%"), null).status());
    }

    @Test
    void aViewerTokenReadsOnlyItsOwnUsersWorkLogs() {
        String ingest = shopKeys.get("ingest");
        String batch = "{\"events\":[" + workLog("u1", "c1", "mine") + "," + workLog("u2", "c9", "someone else's") + ","
                + workLog("u1", "c2", "mine too") + "," + "{\"message\":\"not a work log\",\"userId\":\"u1\"}]}";
        assertEquals(202, http.post("/api/log", ingest, batch).status());
        List<String> seen = messages(http.get("/api/work-log/list", viewerToken));
        assertEquals(List.of("mine too", "mine"), seen);
        HttpJson.Response otherUser = http.get("/api/work-log/list?userId=u2", viewerToken);
        assertEquals(403, otherUser.status(), otherUser.body());
        assertEquals(List.of(), messages(http.get("/api/work-log/list?userId=u1&conversationId=c9", viewerToken)));
        assertEquals(List.of("someone else's"),
                messages(http.get("/api/work-log/list?userId=u2", shopKeys.get("read"))), "a read key reads any user");
        String conversationToken = http.post("/api/tokens", shopKeys.get("read"),
                "{\"userId\":\"u1\",\"conversationId\":\"c2\"}").json().get("token").asText();
        assertEquals(List.of("mine too"), messages(http.get("/api/work-log/list", conversationToken)));
        assertEquals(403, http.get("/api/work-log/list?conversationId=c1", conversationToken).status());
    }

    @Test
    void tamperedAndForeignTokensFail() {
        String tampered = viewerToken.substring(0, viewerToken.length() - 2)
                + (viewerToken.endsWith("AA") ? "BB" : "AA");
        check(http.get("/api/work-log/list", tampered), 401, "invalid viewer token");
        String[] parts = viewerToken.split("\\.");
        String otherPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[0].substring(8)), StandardCharsets.UTF_8)
                        .replace("\"u\":\"u1\"", "\"u\":\"u2\"").getBytes(StandardCharsets.UTF_8));
        check(http.get("/api/work-log/list", "larchvt_" + otherPayload + "." + parts[1]), 401, "invalid viewer token");
        check(http.get("/api/work-log/list?project=other", viewerToken), 403, "cannot access project 'other'");
        check(http.get("/api/work-log/list", "larchvt_"), 401, "invalid viewer token");
        check(http.post("/api/tokens", ADMIN, "{\"userId\":\"u1\"}"), 403, "the admin token cannot mint them");
        check(http.post("/api/tokens", shopKeys.get("read"), "{}"), 400, "userId: required");
        check(http.post("/api/tokens", shopKeys.get("read"), "{\"userId\":\"u1\",\"ttl\":\"25h\"}"), 400,
                "at most 1440m");
    }

    @Test
    void revokingTheMintingKeyEndsItsTokensAtOnce() {
        String minter = newShopKey("read");
        String token = http.post("/api/tokens", minter, "{\"userId\":\"u7\"}").json().get("token").asText();
        assertEquals(200, http.get("/api/work-log/list", token).status());
        http.send(HttpRequest.newBuilder(http.uri("/admin/projects/shop/keys/" + minter.substring(0, 14))).DELETE(), ADMIN);
        check(http.get("/api/work-log/list", token), 401, "the key that minted this viewer token was revoked");
    }

    @Test
    void adminActionsAreAudited() {
        String admin = shopKeys.get("admin");
        String created = http.post("/admin/projects/shop/keys", admin, "{\"name\":\"ci\",\"scopes\":[\"ingest\"]}")
                .json().get("prefix").asText();
        JsonNode entries = http.get("/admin/audit?limit=5", admin).json().get("entries");
        JsonNode newest = entries.get(0);
        assertEquals("key.create", newest.get("action").asText());
        assertEquals("shop", newest.get("project").asText());
        assertEquals(created, newest.get("target").asText());
        assertEquals("key " + admin.substring(0, 14), newest.get("actor").asText());
        assertEquals("127.0.0.1", newest.get("clientIp").asText());
        assertEquals("ingest", newest.get("detail").get("scopes").asText());
        for (JsonNode entry : http.get("/admin/audit?limit=1000", admin).json().get("entries")) {
            assertEquals("shop", entry.get("project").asText(), "a project's admin key sees only its project: " + entry);
        }
        JsonNode all = http.get("/admin/audit?limit=1000", ADMIN).json().get("entries");
        assertTrue(all.toString().contains("\"project\":\"other\""), "the admin token sees every project");
        assertTrue(all.toString().contains("\"action\":\"key.revoke\""));
        assertTrue(all.toString().contains("\"action\":\"project.create\""));
        assertTrue(!all.toString().matches("(?s).*larch_[A-Za-z0-9]{43}.*"), "no key is ever written to the audit trail");
    }

    private static String workLog(String user, String conversation, String message) {
        return "{\"kind\":\"work\",\"userId\":\"" + user + "\",\"conversationId\":\"" + conversation
                + "\",\"message\":\"" + message + "\"}";
    }

    private static List<String> messages(HttpJson.Response response) {
        assertEquals(200, response.status(), response.body());
        List<String> messages = new ArrayList<>();
        response.json().get("events").forEach(e -> messages.add(e.get("message").asText()));
        return messages;
    }

    private static void check(HttpJson.Response response, int status, String errorPart) {
        assertEquals(status, response.status(), response.body());
        assertTrue(response.json().get("error").asText().contains(errorPart), response.body());
    }

    private HttpJson.Response send(DeclaredRoute route, Example example, String credential) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri(example.path()));
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString(example.body() == null ? "" : example.body());
        switch (route.method()) {
            case "GET" -> request.GET();
            case "DELETE" -> request.DELETE();
            default -> request.method(route.method(), body).header("Content-Type", "application/json");
        }
        example.headers().forEach(request::header);
        if (route.path().endsWith("/stream")) {
            return openStream(example, credential);
        }
        return http.send(request, credential);
    }

    /** A live stream never ends by itself: its status, and its body only when it was refused. */
    private HttpJson.Response openStream(Example example, String credential) {
        try (SseClient stream = SseClient.open(http.uri(example.path()), credential, Map.of())) {
            return new HttpJson.Response(stream.status(), stream.status() == 200 ? "" : stream.errorBody(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void expect(List<String> failures, String what, HttpJson.Response response, int status) {
        if (response.status() != status) {
            failures.add(what + ": expected " + status + ", got " + response.status() + " " + response.body());
        } else if (status >= 400 && !response.body().contains("\"error\"")) {
            failures.add(what + ": the " + status + " has no JSON error body: " + response.body());
        }
    }
}
