package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.datadir.DiskSpace;
import io.larch.testing.HttpJson;
import io.larch.testing.MutableClock;
import io.larch.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A nearly full disk, played through the data dir's free-space probe (the one seam: the
 * statvfs number; WAL, HTTP and storage are real): below LARCH_MIN_FREE_DISK every ingest route
 * answers 507 with Retry-After before anything is written, queries go on, and ingest comes back
 * by itself once space returns.
 */
class DiskFullApiTest {
    private static final long GB = 1L << 30;
    private static final long MB = 1L << 20;

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(Instant.now());
    private final AtomicLong free = new AtomicLong(50 * GB);
    private final AtomicLong total = new AtomicLong(100 * GB);
    private final DiskSpace.Probe probe = () -> new DiskSpace.Usage(free.get(), total.get());

    /** The disk changes; the server sees it at its next reading, at most a second later. */
    private void setFree(long bytes) {
        free.set(bytes);
        clock.advance(Duration.ofSeconds(2));
    }

    @Test
    void belowTheFloorIngestIs507AndNothingIsStoredThenItRecoversByItself() {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_MIN_FREE_DISK", "1GB"), clock, probe)) {
            HttpJson http = server.http();
            String key = server.createProject("Shop");
            assertEquals(202, http.post("/api/log", key, "{\"message\":\"before the disk filled\"}").status());
            HttpJson.Response entry = http.post("/api/work-log/create", key, "{\"userId\":\"u1\",\"message\":\"started\"}");
            assertEquals(202, entry.status(), entry.body());
            String entryId = entry.json().get("entryId").asText();
            assertEquals(List.of("started", "before the disk filled"), messages(http, key));

            setFree(500 * MB);
            check507(http.post("/api/log", key, "{\"message\":\"while full\"}"), 500 * MB, GB);
            check507(http.post("/api/log", key, "[{\"message\":\"a\"},{\"message\":\"b\"}]"), 500 * MB, GB);
            check507(http.post("/api/work-log/create", key, "{\"userId\":\"u1\",\"message\":\"while full\"}"), 500 * MB, GB);
            check507(http.post("/api/work-log/update", key, "{\"entryId\":\"" + entryId + "\",\"status\":\"success\"}"),
                    500 * MB, GB);
            assertEquals(List.of("started", "before the disk filled"), messages(http, key), "nothing was stored");
            assertEquals(200, http.get("/api/log/stats", key).status(), "queries go on");
            JsonNode ready = http.get("/readyz", null).json();
            assertEquals("ready", ready.get("status").asText(), "queries still work: the node stays ready");
            assertEquals(500 * MB, ready.get("disk").get("freeBytes").asLong());
            assertEquals(GB, ready.get("disk").get("minFreeBytes").asLong());
            assertTrue(ready.get("disk").get("ingest").asText().contains("507"), ready.toString());
            assertEquals(500.0 * MB, http.metric("larch_disk_free_bytes"));
            assertEquals(4.0, http.metric("larch_ingest_rejected_disk_full_total"));
            assertEquals(4.0, http.metric("larch_events_dropped_total{reason=\"disk_full\"}"),
                    "refused before their bodies were read: one each");

            setFree(GB);
            assertEquals(202, http.post("/api/log", key, "{\"message\":\"space returned\"}").status(), "at the floor: accepted");
            assertEquals(202, http.post("/api/work-log/update", key, "{\"entryId\":\"" + entryId + "\",\"status\":\"success\"}")
                    .status());
            assertEquals(List.of("started", "space returned", "started", "before the disk filled"), messages(http, key));
            assertEquals("ok", http.get("/readyz", null).json().get("disk").get("ingest").asText());
            server.restart();
            assertEquals(4, messages(server.http(), key).size(), "the same after a restart");
        }
    }

    @Test
    void theDefaultFloorIsTheSmallerOfOneGigabyteAndFivePercentAndAShareCanBeSet() {
        total.set(10 * GB);
        try (TestServer server = TestServer.start(dataDir, Map.of(), clock, probe)) {
            String key = server.createProject("Shop");
            setFree(600 * MB);
            assertEquals(202, server.http().post("/api/log", key, "{\"message\":\"above 5% of 10GB\"}").status());
            setFree(500 * MB);
            check507(server.http().post("/api/log", key, "{\"message\":\"below 5% of 10GB\"}"), 500 * MB, 512 * MB);
        }
        total.set(100 * GB);
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_MIN_FREE_DISK", "10%"), clock, probe)) {
            String key = server.http().post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"Other\"}").json()
                    .get("key").asText();
            setFree(9 * GB);
            check507(server.http().post("/api/log", key, "{\"message\":\"below 10%\"}"), 9 * GB, 10 * GB);
            setFree(11 * GB);
            assertEquals(202, server.http().post("/api/log", key, "{\"message\":\"above 10%\"}").status());
        }
    }

    private static void check507(HttpJson.Response response, long freeBytes, long floorBytes) {
        assertEquals(507, response.status(), response.body());
        assertEquals("30", response.header("Retry-After"));
        JsonNode body = response.json();
        assertTrue(body.get("error").asText().contains("LARCH_MIN_FREE_DISK"), body.toString());
        assertTrue(body.get("error").asText().contains("retry after Retry-After"), body.toString());
        assertEquals(freeBytes, body.get("freeBytes").asLong());
        assertEquals(floorBytes, body.get("minFreeBytes").asLong());
        assertEquals(30, body.get("retryAfterSeconds").asInt());
    }

    private static List<String> messages(HttpJson http, String key) {
        HttpJson.Response response = http.get("/api/log", key, Map.of("q", "", "limit", "100"));
        assertEquals(200, response.status(), response.body());
        List<String> messages = new ArrayList<>();
        response.json().get("events").forEach(event -> messages.add(event.get("message").asText()));
        return messages;
    }
}
