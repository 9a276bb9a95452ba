package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.datadir.FileNames;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full file system (a 16 MB tmpfs, mounted when the test runs as root): the WAL's own
 * "No space left on device" answers 507, never 500; nothing refused is acknowledged; ingest
 * comes back once space is freed, without a restart; every acknowledged event is there once
 * after a restart. The floor is off (LARCH_MIN_FREE_DISK=0) so the writes really hit the full disk.
 */
class RealDiskFullTest {
    private static final int EVENTS_PER_BATCH = 10;

    @TempDir
    Path tmp;

    private Path mount;
    private boolean mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void aFullDiskAnswers507AndLosesNothingAcknowledged() throws Exception {
        mount = Files.createDirectory(tmp.resolve("small-disk"));
        mounted = run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount.toString()) == 0;
        assumeTrue(mounted, "mounting a tmpfs needs root (or CAP_SYS_ADMIN); the injected-probe DiskFullApiTest"
                + " covers the 507 path, this one only adds a real ENOSPC");
        Path dataDir = mount.resolve("data");
        Map<String, String> acknowledged = new TreeMap<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_MIN_FREE_DISK", "0", "LARCH_WAL_DURABILITY", "fsync"),
                Clock.systemUTC())) {
            HttpJson http = server.http();
            String key = server.createProject("Shop");
            for (int batch = 0; batch < 10; batch++) {
                assertEquals(202, ingest(http, key, "before" + batch, acknowledged));
            }
            Path filler = mount.resolve("filler");
            fill(filler);
            for (int batch = 0; batch < 40; batch++) {
                statuses.merge(ingest(http, key, "full" + batch, acknowledged), 1, Integer::sum);
            }
            // ingest() asserts each answer: 202 (what still fit in the segment's last page) or 507, never 500.
            assertTrue(statuses.getOrDefault(507, 0) > 0, "the disk never filled: " + statuses);
            assertTrue(walFiles(dataDir) < 10, "refused batches leave no empty WAL segments behind: " + walFiles(dataDir));
            assertEquals(200, http.get("/api/log", key).status(), "queries go on while the disk is full");
            assertEquals(statuses.get(507).doubleValue(), http.metric("larch_ingest_rejected_disk_full_total"));

            Files.delete(filler);
            for (int batch = 0; batch < 5; batch++) {
                assertEquals(202, ingest(http, key, "after" + batch, acknowledged), "space returned: accepted again");
            }
            assertStoredOnce(http, key, acknowledged, "before the restart");
            server.restart();
            assertStoredOnce(server.http(), key, acknowledged, "after the restart");
        }
    }

    /** Posts one batch; records its markers when it was acknowledged. Returns the status. */
    private static int ingest(HttpJson http, String key, String batch, Map<String, String> acknowledged) {
        StringBuilder body = new StringBuilder("[");
        List<String> markers = new ArrayList<>();
        for (int e = 0; e < EVENTS_PER_BATCH; e++) {
            String marker = batch + "e" + e;
            markers.add(marker);
            // About 1 KB each, so the batches fill the last free pages quickly.
            body.append(e == 0 ? "" : ",").append("{\"message\":\"full marker ").append(marker).append(' ')
                    .append("x".repeat(1000)).append("\"}");
        }
        HttpJson.Response response = http.post("/api/log", key, body.append(']').toString());
        if (response.status() == 202) {
            markers.forEach(m -> acknowledged.put(m, batch));
        } else {
            assertEquals(507, response.status(), response.body());
            assertTrue(response.json().get("error").asText().contains("disk is full"), response.body());
            assertEquals("30", response.header("Retry-After"));
        }
        return response.status();
    }

    private static void assertStoredOnce(HttpJson http, String key, Map<String, String> acknowledged, String when) {
        HttpJson.Response response = http.get("/api/log", key, Map.of("q", "\"full marker\"", "limit", "1000"));
        assertEquals(200, response.status(), response.body());
        Map<String, Integer> seen = new HashMap<>();
        for (JsonNode event : response.json().get("events")) {
            seen.merge(event.get("message").asText().split(" ")[2], 1, Integer::sum);
        }
        for (String marker : acknowledged.keySet()) {
            assertEquals(1, seen.getOrDefault(marker, 0), when + ": acknowledged " + marker);
        }
        seen.forEach((marker, times) -> assertEquals(1, times, when + ": " + marker + " stored more than once"));
    }

    /** Writes {@code file} until the file system has no byte left. */
    private static void fill(Path file) {
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int chunk : new int[] {1 << 20, 64 << 10, 4 << 10, 1}) {
                byte[] bytes = new byte[chunk];
                try {
                    while (true) {
                        out.write(bytes);
                        out.flush();
                    }
                } catch (IOException full) {
                    // On to smaller chunks.
                }
            }
        } catch (IOException closeFailed) {
            // Closing a file on a full disk may fail; the bytes written are there.
        }
    }

    private static long walFiles(Path dataDir) throws IOException {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(FileNames.WAL_SUFFIX)).count();
        }
    }

    private static int run(String... command) throws InterruptedException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().transferTo(OutputStream.nullOutputStream());
            return process.waitFor();
        } catch (IOException notThere) {
            return -1;
        }
    }
}
