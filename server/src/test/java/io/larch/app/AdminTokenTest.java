package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.config.ConfigLoader;
import io.larch.config.LarchConfig;
import io.larch.testing.HttpJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up without any setup: the admin token is generated once, shown once, stored hashed. */
class AdminTokenTest {
    @TempDir
    Path dataDir;

    private LarchConfig config() {
        return ConfigLoader.load(Map.of("LARCH_DATA_DIR", dataDir.toString(), "LARCH_PORT", "0",
                "LARCH_DUCKDB_MEMORY_LIMIT", "256MB"), null, Map.of());
    }

    @Test
    void generatesTheAdminTokenOnFirstStartAndShowsItOnce() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        String token;
        try (Larch larch = Larch.start(config(), Clock.systemUTC(), new PrintStream(console, true, StandardCharsets.UTF_8))) {
            Matcher printed = Pattern.compile("larchadmin_[A-Za-z0-9]{43}").matcher(console.toString(StandardCharsets.UTF_8));
            assertTrue(printed.find(), console.toString(StandardCharsets.UTF_8));
            token = printed.group();
            HttpJson http = new HttpJson("http://127.0.0.1:" + larch.port());
            assertEquals(201, http.post("/admin/projects", token, "{\"name\":\"first\"}").status());
        }
        String database = new String(Files.readAllBytes(dataDir.resolve("larch.db")), StandardCharsets.ISO_8859_1);
        assertFalse(database.contains(token), "only the hash is stored");

        ByteArrayOutputStream second = new ByteArrayOutputStream();
        try (Larch larch = Larch.start(config(), Clock.systemUTC(), new PrintStream(second, true, StandardCharsets.UTF_8))) {
            assertFalse(second.toString(StandardCharsets.UTF_8).contains("larchadmin_"), "shown only on the first start");
            HttpJson http = new HttpJson("http://127.0.0.1:" + larch.port());
            assertEquals(200, http.get("/admin/projects", token).status());
            assertEquals(401, http.get("/admin/projects", "larchadmin_wrong").status());
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirIsRefused() {
        try (Larch first = Larch.start(config(), Clock.systemUTC(), new PrintStream(new ByteArrayOutputStream()))) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> Larch.start(config(), Clock.systemUTC(), new PrintStream(new ByteArrayOutputStream())));
            assertEquals("data dir " + dataDir + " is in use by another Larch process; stop it or use another --data-dir",
                    refused.getMessage());
        }
    }
}
