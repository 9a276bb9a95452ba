package io.larch.bench;

import io.larch.datadir.ServerInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A Larch server started from {@code larch.jar} in its own JVM, as users run it. */
public final class LarchProcess implements AutoCloseable {
    public static final String ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
    private final Process process;
    private final String url;
    private final Path dataDir;

    private LarchProcess(Process process, String url, Path dataDir) {
        this.process = process;
        this.url = url;
        this.dataDir = dataDir;
    }

    public static LarchProcess start(Path jar, Path dataDir, Map<String, String> env) throws IOException, InterruptedException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no Larch jar at " + jar + "; build it with ./larch build");
        }
        Files.createDirectories(dataDir);
        Files.deleteIfExists(ServerInfo.location(dataDir));
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        String javaOpts = System.getenv("LARCH_JAVA_OPTS");
        if (javaOpts != null && !javaOpts.isBlank()) {
            command.addAll(List.of(javaOpts.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString(), "serve", "--port", "0", "--data-dir", dataDir.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("larch.log").toFile()));
        builder.environment().put("LARCH_ADMIN_TOKEN", ADMIN_TOKEN);
        // The generator's 10,000 users each send about one work log a second at full ingest rate,
        // which the default limit of 60 a minute per user would refuse (whole batches, 429): the
        // benchmarks measure throughput with the limit checked, not the limit's refusals.
        builder.environment().put("LARCH_RATE_WORK_LOG_PER_USER_PER_MIN", "1000000");
        builder.environment().putAll(env);
        Process process = builder.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("larch exited with " + process.exitValue() + "; see " + dataDir.resolve("larch.log"));
            }
            Optional<ServerInfo> info = ServerInfo.read(dataDir);
            if (info.isPresent()) {
                return new LarchProcess(process, info.get().url(), dataDir);
            }
            Thread.sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("larch did not start within 90 s");
    }

    public String url() {
        return url;
    }

    public Path dataDir() {
        return dataDir;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
