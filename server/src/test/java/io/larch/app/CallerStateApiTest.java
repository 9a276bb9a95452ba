package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** State kept per caller is keyed by who the caller is, not by how the credential is spelled. */
class CallerStateApiTest {
    @TempDir
    Path dataDir;

    @Test
    void spellingsOfOneKeyShareOneCallerAndUnknownKeysHoldNone() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            HttpJson http = server.http();
            List<String> spellings = List.of("Bearer " + key, "Bearer  " + key, "Bearer " + key + "   ", "  Bearer " + key,
                    "bearer " + key, "BEARER " + key);
            int answered = 0;
            for (int i = 0; i < 1_500; i++) {
                HttpRequest.Builder request = HttpRequest.newBuilder(http.uri("/api/log?limit=1")).GET();
                if (i % 7 == 6) {
                    request.header("X-Api-Key", " ".repeat(i % 5) + key + " ".repeat(i % 3));
                } else {
                    request.header("Authorization", spellings.get(i % spellings.size()));
                }
                HttpJson.Response response = http.send(request, null);
                assertEquals(200, response.status(), response.body());
                answered++;
            }
            assertEquals(1_500, answered);
            for (int i = 0; i < 300; i++) {
                assertEquals(401, http.get("/api/log", "larch_" + "unknown".repeat(6) + i % 10).status());
            }
            assertEquals(1.0, http.metric("larch_query_callers"), "one caller, however its key was written");
            assertEquals(200, http.get("/api/log", TestServer.ADMIN_TOKEN, java.util.Map.of("project", "shop")).status());
            assertEquals(2.0, http.metric("larch_query_callers"), "the admin token is a second caller");
        }
    }

}
