package io.larch.http;

import io.javalin.http.Context;
import io.larch.meta.Database;
import io.larch.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /healthz} (the process answers) and {@code /readyz} (it can take and serve data). */
final class HealthRoutes {
    private final Database database;
    private final Path dataDir;
    private final WriteAheadLog wal;

    HealthRoutes(Database database, Path dataDir, WriteAheadLog wal) {
        this.database = database;
        this.dataDir = dataDir;
        this.wal = wal;
    }

    void install(RouteTable routes) {
        routes.get("/healthz", Access.PUBLIC, (ctx, grant) -> ctx.json(Map.of("status", "ok")));
        routes.get("/readyz", Access.PUBLIC, this::ready);
    }

    private void ready(Context ctx, Grant grant) {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("metadata", database.isHealthy() ? "ok" : "metadata database does not answer");
        checks.put("dataDir", dataDirWritable());
        checks.put("wal", wal.isWriting() ? "ok" : "the write-ahead log writer stopped; the server log says why; restart Larch");
        boolean ready = checks.values().stream().allMatch("ok"::equals);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "ready" : "not ready");
        body.put("checks", checks);
        ctx.status(ready ? 200 : 503).json(body);
    }

    private String dataDirWritable() {
        try {
            Path probe = Files.createTempFile(dataDir, ".ready", ".probe");
            Files.delete(probe);
            return "ok";
        } catch (IOException | RuntimeException e) {
            return "data dir " + dataDir + " is not writable: " + e.getMessage();
        }
    }
}
