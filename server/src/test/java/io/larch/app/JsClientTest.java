package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.larch.testing.TestServer;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the JavaScript client's tests (clients/js/test/*.test.js, node's own test runner) against
 * a real server started here, so that `./larch test` runs them: the client's batching, retries,
 * work logs, viewer tokens and exit flush, and winston's Http transport, each checked by search.
 * The node tests use the server named by LARCH_URL and LARCH_ADMIN_TOKEN (standalone, `npm test`
 * starts server/target/larch.jar instead).
 */
class JsClientTest {
    private static final Path CLIENT_DIR = Path.of("..", "clients", "js").toAbsolutePath().normalize();
    /** npm ci on a cold cache plus every node test (the rate-limit and retry cases wait seconds) on a busy machine. */
    private static final long NODE_TIMEOUT_SECONDS = 600;
    /** A node test run that found fewer tests than this did not run the suite (a file failed to load). */
    private static final int MIN_NODE_TESTS = 20;
    /** Environment a developer's shell may carry that would send the tests' requests elsewhere. */
    private static final List<String> UNWANTED_ENVIRONMENT = List.of("http_proxy", "HTTP_PROXY", "https_proxy",
            "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "NODE_OPTIONS", "LARCH_JAR");

    @TempDir
    Path dir;

    @Test
    void theJavaScriptClientsNodeTestsPassAgainstARealServer() throws Exception {
        assumeTrue(onPath("node") && onPath("npm"), "the JavaScript client's tests need node 20+ and npm on the PATH");
        installDevDependencies();
        List<String> command = new ArrayList<>(List.of("node", "--test"));
        try (Stream<Path> files = Files.list(CLIENT_DIR.resolve("test"))) {
            files.filter(file -> file.getFileName().toString().endsWith(".test.js")).sorted()
                    .forEach(file -> command.add(CLIENT_DIR.relativize(file).toString()));
        }
        try (TestServer server = TestServer.start(dir.resolve("data"))) {
            Run run = run(command, Map.of("LARCH_URL", server.http().base(), "LARCH_ADMIN_TOKEN", TestServer.ADMIN_TOKEN));
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(count(run.output(), "fail") == 0, run.output());
            assertTrue(count(run.output(), "pass") >= MIN_NODE_TESTS, "too few node tests ran:\n" + run.output());
        }
    }

    /** winston and typescript (dev dependencies only; the client itself has none), from the committed lock file. */
    private void installDevDependencies() throws IOException, InterruptedException {
        // npm writes node_modules/.package-lock.json on every install: newer than the lock file means current.
        Path installed = CLIENT_DIR.resolve("node_modules/.package-lock.json");
        if (Files.exists(installed) && Files.getLastModifiedTime(installed)
                .compareTo(Files.getLastModifiedTime(CLIENT_DIR.resolve("package-lock.json"))) >= 0) {
            return;
        }
        Run install = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"), Map.of());
        assertEquals(0, install.exitCode(), install.output());
    }

    private record Run(int exitCode, String output) {
    }

    private Run run(List<String> command, Map<String, String> extraEnvironment) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "node", ".out");
        ProcessBuilder builder = new ProcessBuilder(command).directory(CLIENT_DIR.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> environment = builder.environment();
        UNWANTED_ENVIRONMENT.forEach(environment::remove);
        environment.putAll(extraEnvironment);
        Process process = builder.start();
        if (!process.waitFor(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail(String.join(" ", command) + " ran longer than " + NODE_TIMEOUT_SECONDS + " s:\n" + Files.readString(output));
        }
        return new Run(process.exitValue(), String.join(" ", command) + " printed:\n" + Files.readString(output));
    }

    /** The count in node's TAP summary line "# pass 21" (or "# fail 0"). */
    private static int count(String output, String what) {
        Matcher matcher = Pattern.compile("(?m)^# " + what + " (\\d+)$").matcher(output);
        if (!matcher.find()) {
            fail("no '# " + what + "' line in the node test output:\n" + output);
        }
        return Integer.parseInt(matcher.group(1));
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(directory -> !directory.isEmpty() && Files.isExecutable(Path.of(directory, tool)));
    }
}
