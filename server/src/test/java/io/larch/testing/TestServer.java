package io.larch.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.app.Larch;
import io.larch.config.ConfigLoader;
import io.larch.config.LarchConfig;
import io.larch.datadir.DiskSpace;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/** A real Larch on 127.0.0.1, port 0, with its own data dir; plus a client and an admin token. */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

    private final Path dataDir;
    private final Map<String, String> settings;
    private final Clock clock;
    /** The data dir's free space as tests play it, or null: the real file system's. */
    private final DiskSpace.Probe diskProbe;
    private Larch larch;
    private HttpJson http;

    private TestServer(Path dataDir, Map<String, String> settings, Clock clock, DiskSpace.Probe diskProbe) {
        this.dataDir = dataDir;
        this.settings = settings;
        this.clock = clock;
        this.diskProbe = diskProbe;
    }

    public static TestServer start(Path dataDir) {
        return start(dataDir, Map.of(), Clock.systemUTC());
    }

    public static TestServer start(Path dataDir, Map<String, String> settings, Clock clock) {
        return start(dataDir, settings, clock, null);
    }

    /**
     * A server whose metadata is on a fresh database of the test PostgreSQL ({@link PostgresServer})
     * instead of SQLite; {@link #restart} comes back on the same database.
     */
    public static TestServer startOnPostgres(Path dataDir, Map<String, String> settings, Clock clock) {
        Map<String, String> onPostgres = new HashMap<>(settings);
        onPostgres.putIfAbsent("LARCH_METADATA_URL", PostgresServer.shared().newDatabase());
        return start(dataDir, onPostgres, clock);
    }

    /** A server whose data dir's free space is read from {@code diskProbe} (a full disk without root). */
    public static TestServer start(Path dataDir, Map<String, String> settings, Clock clock, DiskSpace.Probe diskProbe) {
        TestServer server = new TestServer(dataDir, settings, clock, diskProbe);
        server.startLarch();
        return server;
    }

    private void startLarch() {
        Map<String, String> env = new HashMap<>();
        env.put("LARCH_DATA_DIR", dataDir.toString());
        env.put("LARCH_PORT", "0");
        env.put("LARCH_ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("LARCH_WAL_DURABILITY", "none");
        env.put("LARCH_DUCKDB_MEMORY_LIMIT", "256MB");
        // Tests stop and restart to exercise WAL replay: no sealing on stop unless a test asks
        // (GracefulShutdownTest checks sealing on SIGTERM in a child process).
        env.put("LARCH_SHUTDOWN_SEAL_TIMEOUT", "0s");
        env.putAll(settings);
        LarchConfig config = ConfigLoader.load(env, null, Map.of());
        larch = Larch.start(config, clock, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                diskProbe);
        http = new HttpJson("http://127.0.0.1:" + larch.port());
    }

    /** Stops and starts again on the same data dir (a clean restart). */
    public void restart() {
        stop();
        start();
    }

    /** Stops the server (gracefully); {@link #start} brings it back on the same data dir. */
    public void stop() {
        if (larch != null) {
            larch.close();
            larch = null;
        }
    }

    public void start() {
        if (larch == null) {
            startLarch();
        }
    }

    public HttpJson http() {
        return http;
    }

    public Larch larch() {
        return larch;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Creates a project and returns its first key. */
    public String createProject(String name) {
        JsonNode created = http.post("/admin/projects", ADMIN_TOKEN, "{\"name\":\"" + name + "\"}").json();
        return created.get("key").asText();
    }

    /** The id of the project {@code slug} (ids are the catalog's: Larch's own project larch-system takes one too). */
    public long projectId(String slug) {
        for (JsonNode project : http.get("/admin/projects", ADMIN_TOKEN).json().get("projects")) {
            if (project.get("slug").asText().equals(slug)) {
                return project.get("id").asLong();
            }
        }
        throw new IllegalArgumentException("no project " + slug);
    }

    /** Seals everything ingested so far into parts. */
    public void sealNow() {
        HttpJson.Response response = http.post("/admin/maintain", ADMIN_TOKEN, "");
        if (response.status() != 200) {
            throw new IllegalStateException("maintain failed: " + response.body());
        }
    }

    @Override
    public void close() {
        if (larch != null) {
            larch.close();
        }
    }
}
