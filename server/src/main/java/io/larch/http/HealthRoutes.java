package io.larch.http;

import io.javalin.http.Context;
import io.larch.datadir.DiskSpace;
import io.larch.meta.Database;
import io.larch.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /healthz} (the process answers) and {@code /readyz} (it can take and serve data; its
 * {@code disk} part says how much space is left and whether ingest is refused for it).
 */
final class HealthRoutes {
    private final Database database;
    private final Path dataDir;
    private final WriteAheadLog wal;
    private final DiskSpace disk;

    HealthRoutes(Database database, Path dataDir, WriteAheadLog wal, DiskSpace disk) {
        this.database = database;
        this.dataDir = dataDir;
        this.wal = wal;
        this.disk = disk;
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
        body.put("disk", disk(disk.reading()));
        ctx.status(ready ? 200 : 503).json(body);
    }

    /**
     * The data dir's free space, outside the checks on purpose: below LARCH_MIN_FREE_DISK ingest
     * answers 507 but queries and live streams go on, and a load balancer that took the node out
     * would stop those too. Alert on {@code larch_disk_free_bytes} instead.
     */
    private static Map<String, Object> disk(DiskSpace.Reading reading) {
        Map<String, Object> disk = new LinkedHashMap<>();
        disk.put("freeBytes", reading.usableBytes() == DiskSpace.UNKNOWN ? null : reading.usableBytes());
        disk.put("minFreeBytes", reading.floorBytes());
        disk.put("ingest", reading.belowFloor()
                ? "refused with 507: free space on the data dir's disk or lower LARCH_MIN_FREE_DISK" : "ok");
        return disk;
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
