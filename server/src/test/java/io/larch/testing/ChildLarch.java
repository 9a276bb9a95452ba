package io.larch.testing;

import io.larch.datadir.ServerInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/** Larch in a separate JVM, so a test can kill it with SIGKILL. */
public final class ChildLarch implements AutoCloseable {
    private final Process process;
    private final HttpJson http;

    private ChildLarch(Process process, HttpJson http) {
        this.process = process;
        this.http = http;
    }

    /** Starts {@code larch serve} on port 0 over {@code dataDir} and waits until it answers. */
    public static ChildLarch start(Path dataDir, Map<String, String> env) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        Files.deleteIfExists(ServerInfo.location(dataDir));
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "io.larch.app.Main", "serve", "--port", "0",
                "--data-dir", dataDir.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(dataDir).toFile()));
        builder.environment().put("LARCH_ADMIN_TOKEN", TestServer.ADMIN_TOKEN);
        builder.environment().put("LARCH_DUCKDB_MEMORY_LIMIT", "256MB");
        builder.environment().putAll(env);
        Process process = builder.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("child larch exited with " + process.exitValue());
            }
            Optional<ServerInfo> info = ServerInfo.read(dataDir);
            if (info.isPresent()) {
                HttpJson http = new HttpJson(info.get().url());
                return new ChildLarch(process, http);
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("child larch did not start within 60 s");
    }

    public HttpJson http() {
        return http;
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM: the graceful path. */
    public int stop() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    /** SIGTERM without waiting, so a test can watch what the server does while it stops. */
    public void sendSigterm() {
        process.destroy();
    }

    /** The exit code once the process ended, or empty if it still runs after {@code timeout}. */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(process.exitValue())
                : OptionalInt.empty();
    }

    /** Where the child's output goes (appended over restarts): beside the data dir. */
    public static Path logFile(Path dataDir) {
        return dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
