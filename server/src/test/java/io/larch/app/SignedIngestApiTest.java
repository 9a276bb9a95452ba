package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.security.RequestSignatures;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed ingest against a real server whose project requires signatures: good, bad, stale and
 * replayed signatures, a body altered by one byte, a gzip body signed raw, optional mode, rotation;
 * and the README's snippets (src/test/resources/signing/), each run as a real process: accepted
 * and stored with the right secret, refused with a wrong one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignedIngestApiTest {
    private static final String ADMIN = TestServer.ADMIN_TOKEN;
    private static final String BODY = "{\"events\":[{\"message\":\"hello signed\"}]}";
    /** Long enough for a single-file Java launch (it compiles first) on a busy two-core machine. */
    private static final long PROCESS_TIMEOUT_SECONDS = 120;
    /** Environment a developer's shell may carry that would send the snippets elsewhere. */
    private static final List<String> UNWANTED_ENVIRONMENT = List.of("http_proxy", "HTTP_PROXY", "https_proxy",
            "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "CLASSPATH", "NODE_OPTIONS");

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.now());
    private TestServer server;
    private HttpJson http;
    private String key;
    private String secret;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir, Map.of(), clock);
        http = server.http();
        key = http.post("/admin/projects", ADMIN, "{\"name\":\"Signed\",\"slug\":\"signed\"}").json().get("key").asText();
        secret = rotate();
        assertEquals(200, settings("{\"signing\":\"required\"}").status());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private String rotate() {
        HttpJson.Response rotated = http.post("/admin/projects/signed/signing-secret", ADMIN, "");
        assertEquals(201, rotated.status(), rotated.body());
        return rotated.json().get("signingSecret").asText();
    }

    private HttpJson.Response settings(String change) {
        return http.send(HttpRequest.newBuilder(http.uri("/admin/projects/signed/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString(change)), ADMIN);
    }

    private HttpJson.Response send(byte[] body, String timestamp, String signature, boolean gzip) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http.uri("/api/log"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", "application/json");
        if (timestamp != null) {
            request.header(RequestSignatures.TIMESTAMP_HEADER, timestamp);
        }
        if (signature != null) {
            request.header(RequestSignatures.SIGNATURE_HEADER, signature);
        }
        if (gzip) {
            request.header("Content-Encoding", "gzip");
        }
        return http.send(request, key);
    }

    private HttpJson.Response signed(String message, long unixSeconds, String withSecret) {
        byte[] body = ("{\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        return send(body, Long.toString(unixSeconds), RequestSignatures.sign(RequestSignatures.signingKey(withSecret),
                unixSeconds, body), false);
    }

    private long now() {
        return clock.millis() / 1000;
    }

    private static void check(HttpJson.Response response, int status, String errorPart) {
        assertEquals(status, response.status(), response.body());
        if (errorPart != null) {
            assertTrue(response.json().get("error").asText().contains(errorPart), response.body());
        }
    }

    private List<String> stored() {
        JsonNode events = http.get("/api/log?limit=1000", key).json().get("events");
        List<String> messages = new java.util.ArrayList<>();
        events.forEach(e -> messages.add(e.get("message").asText()));
        return messages;
    }

    @Test
    void aGoodSignatureIsAcceptedOnceAndEveryBadOneRefused() {
        long now = now();
        check(signed("good", now, secret), 202, null);
        byte[] body = "{\"message\":\"replayed\"}".getBytes(StandardCharsets.UTF_8);
        String signature = RequestSignatures.sign(RequestSignatures.signingKey(secret), now, body);
        check(send(body, Long.toString(now), signature, false), 202, null);
        check(send(body, Long.toString(now), signature, false), 401, "was already used");
        check(signed("wrong secret", now, RequestSignatures.newSigningSecret()), 401, "does not match");
        byte[] altered = body.clone();
        altered[5] ^= 1;
        check(send(altered, Long.toString(now), signature, false), 401, "does not match");
        check(signed("stale", now - 301, secret), 401, "X-Larch-Timestamp");
        check(signed("future", now + 301, secret), 401, "X-Larch-Timestamp");
        check(signed("just in time", now - 299, secret), 202, null);
        check(send(body, null, null, false), 401, "X-Larch-Timestamp");
        check(send(body, Long.toString(now), null, false), 401, "X-Larch-Signature");
        List<String> messages = stored();
        assertTrue(messages.containsAll(List.of("good", "replayed", "just in time")), messages.toString());
        assertEquals(1, messages.stream().filter("replayed"::equals).count(), "the replay stored nothing");
        assertTrue(messages.stream().noneMatch(m -> m.equals("stale") || m.equals("future") || m.equals("wrong secret")));
    }

    @Test
    void aGzipBodyIsSignedAsSentNotAsDecompressed() throws IOException {
        byte[] plain = "{\"message\":\"zipped and signed\"}".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(plain);
        }
        long now = now();
        byte[] raw = zipped.toByteArray();
        String overPlain = RequestSignatures.sign(RequestSignatures.signingKey(secret), now, plain);
        check(send(raw, Long.toString(now), overPlain, true), 401, "does not match");
        check(send(raw, Long.toString(now), RequestSignatures.sign(RequestSignatures.signingKey(secret), now, raw), true), 202, null);
        assertTrue(stored().contains("zipped and signed"));
    }

    @Test
    void optionalSigningTakesUnsignedRequestsButNeverABadSignature() {
        check(settings("{\"signing\":\"optional\"}"), 200, null);
        try {
            check(send("{\"message\":\"unsigned\"}".getBytes(StandardCharsets.UTF_8), null, null, false), 202, null);
            check(signed("bad but optional", now(), RequestSignatures.newSigningSecret()), 401, "does not match");
        } finally {
            check(settings("{\"signing\":\"required\"}"), 200, null);
        }
    }

    @Test
    void afterARotationTheNewAndThePreviousSecretBothVerifyAndNoOlderOne() {
        String first = secret;
        String second = rotate();
        String third = rotate();
        try {
            check(signed("with the new secret", now(), third), 202, null);
            check(signed("with the previous secret", now() + 1, second), 202, null);
            check(signed("with an older secret", now() + 2, first), 401, "does not match");
            JsonNode shown = http.get("/admin/projects/signed/settings", ADMIN).json();
            assertEquals("(set)", shown.get("signingSecret").asText());
            assertTrue(!shown.toString().contains("larchsig_"), "settings never show a secret: " + shown);
            JsonNode audit = http.get("/admin/audit?project=signed", ADMIN).json().get("entries");
            assertEquals("signing.rotate", audit.get(0).get("action").asText());
            assertTrue(!audit.toString().contains("larchsig_"), "the audit trail never holds a secret");
        } finally {
            secret = third;
        }
    }

    @Test
    void signingCannotBeRequiredBeforeThereIsASecret() {
        http.post("/admin/projects", ADMIN, "{\"name\":\"Fresh\",\"slug\":\"fresh\"}");
        HttpJson.Response refused = http.send(HttpRequest.newBuilder(http.uri("/admin/projects/fresh/settings"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"signing\":\"required\"}")), ADMIN);
        check(refused, 400, "has no signing secret yet");
    }

    @Test
    void theShellSnippetSignsWithOpenssl() throws Exception {
        for (String tool : List.of("bash", "openssl", "curl")) {
            assumeTrue(onPath(tool), "sign.sh needs " + tool + ", which is not on the PATH");
        }
        checkBothWays("bash", snippet("sign.sh"));
    }

    @Test
    void theJavaSnippetSignsWithMac() throws Exception {
        checkBothWays(Path.of(System.getProperty("java.home"), "bin", "java").toString(), snippet("SignedIngest.java"));
    }

    @Test
    void theJavaScriptSnippetSignsWithNodeCrypto() throws Exception {
        assumeTrue(onPath("node"), "signed-ingest.mjs needs node (18+), which is not on the PATH");
        checkBothWays("node", snippet("signed-ingest.mjs"));
    }

    private void checkBothWays(String... command) throws Exception {
        // Every snippet signs the same body with a timestamp in seconds: two of them in the same
        // second would send the same signature, rightly refused as a replay.
        long second = System.currentTimeMillis() / 1000;
        while (System.currentTimeMillis() / 1000 == second) {
            Thread.sleep(20);
        }
        long before = stored().stream().filter("hello signed"::equals).count();
        Run good = run(secret, command);
        assertEquals(0, good.exitCode(), good.output());
        assertEquals(before + 1, stored().stream().filter("hello signed"::equals).count(), "stored once: " + good.output());
        Run wrongSecret = run(RequestSignatures.newSigningSecret(), command);
        assertNotEquals(0, wrongSecret.exitCode(), wrongSecret.output());
        assertTrue(wrongSecret.output().contains("does not match"), wrongSecret.output());
        assertEquals(before + 1, stored().stream().filter("hello signed"::equals).count(), "nothing stored when refused");
    }

    private record Run(int exitCode, String output) {
    }

    private Run run(String signingSecret, String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "snippet", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> environment = builder.environment();
        UNWANTED_ENVIRONMENT.forEach(environment::remove);
        environment.put("LARCH_URL", http.base());
        environment.put("LARCH_KEY", key);
        environment.put("LARCH_SIGNING_SECRET", signingSecret);
        Process process = builder.start();
        if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail(String.join(" ", command) + " ran longer than " + PROCESS_TIMEOUT_SECONDS + " s: " + Files.readString(output));
        }
        return new Run(process.exitValue(), String.join(" ", command) + " printed: " + Files.readString(output));
    }

    private static String snippet(String name) throws URISyntaxException {
        URL resource = SignedIngestApiTest.class.getResource("/signing/" + name);
        assertTrue(resource != null, "missing test resource signing/" + name);
        return Path.of(resource.toURI()).toString();
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(directory -> !directory.isEmpty() && Files.isExecutable(Path.of(directory, tool)));
    }
}
