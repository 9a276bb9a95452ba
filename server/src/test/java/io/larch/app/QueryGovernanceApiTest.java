package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.larch.testing.BigPart;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Time budgets, per-credential concurrency and cancellation on disconnect, over HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryGovernanceApiTest {
    /** Reads every row of an 8 M-row part: seconds of work. */
    private static final String SLOW_QUERY = "zz* OR attrs.n>1000";
    /** Matches no part: answers at once. */
    private static final Map<String, String> FAST = Map.of("project", "shop", "from", "2030-01-01T00:00:00Z");

    private Path dataDir;

    @BeforeAll
    void createData(@TempDir Path dir) throws Exception {
        dataDir = dir;
        long shop;
        try (TestServer server = TestServer.start(dataDir)) {
            shop = server.http().post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"Shop\"}").json()
                    .get("project").get("id").asLong();
        }
        BigPart.create(dataDir, shop, 8_000_000);
    }


    @Test
    void aQueryOverItsBudgetIsAnsweredWith503() {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_QUERY_TIMEOUT", "200ms"), Clock.systemUTC())) {
            HttpJson.Response response = server.http().get("/api/log/stats", TestServer.ADMIN_TOKEN,
                    Map.of("project", "shop", "q", SLOW_QUERY));
            assertEquals(503, response.status(), response.body());
            assertEquals("{\"error\":\"the query ran longer than its 0.2 s budget; narrow the time range or add words "
                    + "to the query (LARCH_QUERY_TIMEOUT sets the budget)\"}", response.body());
            assertEquals(1.0, server.http().metric("larch_queries_timed_out_total"));
            assertEquals(200, server.http().get("/api/log", TestServer.ADMIN_TOKEN, FAST).status(), "later queries still run");
        }
    }

    @Test
    void oneCredentialRunsAtMostItsShareAndAHangUpCancelsItsQuery() throws Exception {
        try (TestServer server = TestServer.start(dataDir, Map.of("LARCH_QUERY_CONCURRENCY_PER_KEY", "1"), Clock.systemUTC())) {
            HttpJson http = server.http();
            String path = "/api/log/stats?project=shop&q=" + URLEncoder.encode(SLOW_QUERY, StandardCharsets.UTF_8);
            try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(http.base().replaceAll(".*:", "")))) {
                OutputStream out = socket.getOutputStream();
                out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(300);
                HttpJson.Response second = http.get("/api/log", TestServer.ADMIN_TOKEN, FAST);
                assertEquals(429, second.status(), second.body());
                assertEquals("{\"error\":\"this credential already runs 1 queries (LARCH_QUERY_CONCURRENCY_PER_KEY); "
                        + "retry when one finishes\"}", second.body());
                assertEquals("1", second.header("Retry-After"));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (http.metric("larch_queries_cancelled_total") < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1.0, http.metric("larch_queries_cancelled_total"), "the abandoned query was cancelled");
            assertEquals(200, http.get("/api/log", TestServer.ADMIN_TOKEN, FAST).status(), "its slot is free again");
        }
    }
}
