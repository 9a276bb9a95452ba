package io.larch.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Signed ingest" snippets (src/test/resources/signing/), each run as a real process
 * against a tiny HTTP server that checks them with {@link RequestSignatures} in REQUIRED mode:
 * with the right secret the request verifies, with a wrong one it is refused.
 */
class SigningSnippetsTest {
    private static final String SECRET = RequestSignatures.newSigningSecret();
    private static final String API_KEY = "larch_snippetTestKey";
    private static final String BODY = "{\"events\":[{\"message\":\"hello signed\"}]}";
    /** Long enough for a single-file Java launch (it compiles first) on a busy two-core machine. */
    private static final long PROCESS_TIMEOUT_SECONDS = 120;
    /** Environment a developer's shell may carry that would send the snippets elsewhere. */
    private static final List<String> UNWANTED_ENVIRONMENT = List.of("http_proxy", "HTTP_PROXY", "https_proxy",
            "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "CLASSPATH", "NODE_OPTIONS");

    @TempDir
    Path dir;
    private HttpServer server;
    private final RequestSignatures signatures = new RequestSignatures(Clock.systemUTC(), 1000);
    /** What the server made of each request: "accepted <body>" or "rejected <reason>". */
    private final List<String> outcomes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/log", this::ingest);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
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
        Run good = run(SECRET, command);
        assertEquals(0, good.exitCode(), good.output());
        assertEquals(List.of("accepted " + BODY), outcomes, good.output());
        outcomes.clear();
        Run wrongSecret = run(RequestSignatures.newSigningSecret(), command);
        assertNotEquals(0, wrongSecret.exitCode(), wrongSecret.output());
        assertEquals(1, outcomes.size(), wrongSecret.output());
        assertTrue(outcomes.getFirst().startsWith("rejected X-Larch-Signature does not match"), outcomes.getFirst());
    }

    private void ingest(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        int status;
        String answer;
        try {
            if (!exchange.getRequestMethod().equals("POST") || !("Bearer " + API_KEY).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                throw AuthException.unauthenticated("expected POST with Authorization: Bearer " + API_KEY);
            }
            signatures.verify(1, SigningMode.REQUIRED, List.of(RequestSignatures.signingKey(SECRET)),
                    exchange.getRequestHeaders().getFirst(RequestSignatures.TIMESTAMP_HEADER),
                    exchange.getRequestHeaders().getFirst(RequestSignatures.SIGNATURE_HEADER), body);
            outcomes.add("accepted " + new String(body, StandardCharsets.UTF_8));
            status = 202;
            answer = "{\"accepted\":1,\"debounced\":0}";
        } catch (AuthException e) {
            outcomes.add("rejected " + e.getMessage());
            status = e.status();
            answer = "{\"error\":\"" + e.getMessage().replace("\"", "'") + "\"}";
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private record Run(int exitCode, String output) {
    }

    private Run run(String signingSecret, String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "snippet", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> environment = builder.environment();
        UNWANTED_ENVIRONMENT.forEach(environment::remove);
        environment.put("LARCH_URL", "http://127.0.0.1:" + server.getAddress().getPort());
        environment.put("LARCH_KEY", API_KEY);
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
        URL resource = SigningSnippetsTest.class.getResource("/signing/" + name);
        assertTrue(resource != null, "missing test resource signing/" + name);
        return Path.of(resource.toURI()).toString();
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(directory -> !directory.isEmpty() && Files.isExecutable(Path.of(directory, tool)));
    }
}
