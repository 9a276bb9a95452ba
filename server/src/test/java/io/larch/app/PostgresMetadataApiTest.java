package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.config.ConfigException;
import io.larch.config.ConfigLoader;
import io.larch.testing.HttpJson;
import io.larch.testing.PostgresServer;
import io.larch.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Larch with its metadata on a real PostgreSQL: everything made over the API is there after a restart. */
class PostgresMetadataApiTest {
    @TempDir
    Path dataDir;

    @Test
    void projectsKeysAndEventsSurviveARestartOnPostgres() throws Exception {
        String withCredentials = PostgresServer.shared().newDatabase();
        String url = withCredentials.substring(0, withCredentials.indexOf('?'));
        Map<String, String> settings = Map.of("LARCH_METADATA_URL", url, "LARCH_METADATA_USER", "larch",
                "LARCH_METADATA_PASSWORD", "larch", "LARCH_METADATA_POOL_SIZE", "3");
        try (TestServer server = TestServer.startOnPostgres(dataDir, settings, Clock.systemUTC())) {
            String firstKey = server.createProject("Shop");
            HttpJson.Response created = server.http().post("/admin/projects/shop/keys", TestServer.ADMIN_TOKEN,
                    "{\"name\":\"ci\",\"scopes\":[\"ingest\",\"read\"]}");
            assertEquals(201, created.status(), created.body());
            String secondKey = created.json().get("key").asText();
            ingest(server.http(), firstKey, "checkout failed for order 1", "checkout failed for order 2");
            server.sealNow();
            ingest(server.http(), secondKey, "checkout failed for order 3");
            assertEquals(List.of("checkout failed for order 3", "checkout failed for order 2", "checkout failed for order 1"),
                    search(server.http(), firstKey, "checkout"));

            JsonNode config = server.http().get("/config", TestServer.ADMIN_TOKEN).json();
            assertEquals(url, config.get("LARCH_METADATA_URL").asText());
            assertEquals("(set)", config.get("LARCH_METADATA_PASSWORD").asText());
            assertEquals("3", config.get("LARCH_METADATA_POOL_SIZE").asText());

            server.restart();
            List<String> projects = names(server.http().get("/admin/projects", TestServer.ADMIN_TOKEN).json());
            assertEquals(2, projects.size(), "Shop and Larch's own, once: " + projects);
            assertTrue(projects.contains("Shop"), projects.toString());
            assertEquals(2, server.http().get("/admin/projects/shop/keys", TestServer.ADMIN_TOKEN).json().get("keys").size());
            ingest(server.http(), secondKey, "checkout failed for order 4");
            assertEquals(List.of("checkout failed for order 4", "checkout failed for order 3", "checkout failed for order 2",
                    "checkout failed for order 1"), search(server.http(), secondKey, "checkout"));
        }
        try (Connection c = DriverManager.getConnection(withCredentials); Statement select = c.createStatement();
             ResultSet rows = select.executeQuery("SELECT count(*) FROM parts WHERE state = 'published'")) {
            rows.next();
            assertTrue(rows.getLong(1) >= 1, "the sealed part is in PostgreSQL's catalog");
        }
    }

    @Test
    void anUnreachablePostgresStopsTheStartNamingTheSetting() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> env = Map.of("LARCH_DATA_DIR", dataDir.toString(), "LARCH_PORT", "0",
                "LARCH_METADATA_URL", "jdbc:postgresql://127.0.0.1:" + closedPort + "/larch?password=hunter2&user=larch");
        ConfigException refused = assertThrows(ConfigException.class, () -> Larch.start(ConfigLoader.load(env, null, Map.of()),
                Clock.systemUTC(), new PrintStream(new ByteArrayOutputStream())));
        assertTrue(refused.getMessage().contains("LARCH_METADATA_URL: cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:"
                + closedPort + "/larch?password=(hidden)&user=larch"), refused.getMessage());
        assertTrue(refused.getMessage().contains("start PostgreSQL or correct LARCH_METADATA_URL"), refused.getMessage());
        assertFalse(refused.getMessage().contains("hunter2"), refused.getMessage());
    }

    private static void ingest(HttpJson http, String key, String... messages) {
        List<String> events = new ArrayList<>();
        for (String message : messages) {
            events.add("{\"ts\":\"" + Instant.now() + "\",\"level\":\"error\",\"message\":\"" + message + "\"}");
        }
        HttpJson.Response response = http.post("/api/log", key, "[" + String.join(",", events) + "]");
        assertEquals(202, response.status(), response.body());
    }

    private static List<String> search(HttpJson http, String key, String q) {
        HttpJson.Response response = http.get("/api/log", key, Map.of("q", q));
        assertEquals(200, response.status(), response.body());
        List<String> messages = new ArrayList<>();
        response.json().get("events").forEach(e -> messages.add(e.get("message").asText()));
        return messages;
    }

    private static List<String> names(JsonNode projects) {
        List<String> names = new ArrayList<>();
        projects.get("projects").forEach(p -> names.add(p.get("name").asText()));
        return names;
    }
}
