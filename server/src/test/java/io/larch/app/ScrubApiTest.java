package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scrubber checks parts on its own, every LARCH_SCRUB_INTERVAL, and quarantines damage found while running. */
class ScrubApiTest {
    @TempDir
    Path dataDir;

    @Test
    void damageWhileRunningIsFoundByTheNextScrub() throws Exception {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_SCRUB_INTERVAL", "300ms"), Clock.systemUTC())) {
            HttpJson http = server.http();
            String key = server.createProject("Shop");
            assertEquals(202, http.post("/api/log", key, "[{\"message\":\"first\"},{\"message\":\"second\"}]").status());
            server.sealNow();
            assertEquals(2, http.get("/api/log", key).json().get("events").size(), "read, so checked once already");
            Path part;
            try (Stream<Path> files = Files.walk(dataDir.resolve("parts"))) {
                part = files.filter(f -> f.toString().endsWith(".parquet") && !f.toString().endsWith(".rollup.parquet"))
                        .findFirst().orElseThrow();
            }
            byte[] bytes = Files.readAllBytes(part);
            bytes[bytes.length - 20] ^= 0x01;
            Files.write(part, bytes);
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (http.metric("larch_parts_quarantined") < 1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(1.0, http.metric("larch_parts_quarantined"), "the scrubber found the damage");
            JsonNode page = http.get("/api/log", key).json();
            assertTrue(page.get("partial").asBoolean(), page.toString());
            assertEquals(1, page.get("partsSkipped").asInt());
            assertEquals(0, page.get("events").size());
        }
    }

}
