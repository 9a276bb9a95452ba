package io.larch.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.javalin.json.JavalinJackson;
import io.larch.ingest.EventError;
import io.larch.ingest.InvalidBatchException;
import io.larch.ingest.RejectedRequestException;
import io.larch.model.InvalidInputException;
import io.larch.query.QueryException;
import io.larch.search.QueryFailedException;
import io.larch.search.QueryTimeoutException;
import io.larch.security.AuthException;
import io.larch.security.ConflictException;
import io.larch.security.NotFoundException;
import io.larch.testing.HttpJson;
import io.larch.wal.WalException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each failure a route can raise, answered over real HTTP (Javalin on a loopback port with
 * {@link ErrorMapping} and one route per exception): status, JSON body and headers.
 */
class ErrorMappingTest {
    private static final Map<String, Handler> THROWING = Map.ofEntries(
            Map.entry("/batch", ctx -> {
                throw new InvalidBatchException(3, List.of(new EventError(1, "level", "unknown level 'loud'")));
            }),
            Map.entry("/full", ctx -> {
                throw new RejectedRequestException(503, "ingest is paused; retry in a moment");
            }),
            Map.entry("/large", ctx -> {
                throw new RejectedRequestException(413, "body over 512 KB");
            }),
            Map.entry("/query", ctx -> {
                throw new QueryException("missing ')'", 4);
            }),
            Map.entry("/param", ctx -> {
                throw new InvalidInputException("limit: must be between 1 and 1000");
            }),
            Map.entry("/unauthenticated", ctx -> {
                throw AuthException.unauthenticated("missing credential");
            }),
            Map.entry("/forbidden", ctx -> {
                throw AuthException.forbidden("this key may not read");
            }),
            Map.entry("/missing", ctx -> {
                throw new NotFoundException("no project 'x'");
            }),
            Map.entry("/conflict", ctx -> {
                throw new ConflictException("a project with slug 'x' already exists");
            }),
            Map.entry("/wal", ctx -> {
                throw new WalException("write failed", new IOException("Input/output error"));
            }),
            Map.entry("/wal-full", ctx -> {
                throw new WalException("disk full", new IOException("No space left on device"));
            }),
            Map.entry("/timeout", ctx -> {
                throw new QueryTimeoutException("the query took longer than 10 s");
            }),
            Map.entry("/busy", ctx -> {
                throw new TooManyQueriesException("4 queries of this key are running");
            }),
            Map.entry("/failed", ctx -> {
                throw new QueryFailedException("reading /var/lib/larch/parts/1/app/x.parquet failed", new java.sql.SQLException("secret"));
            }),
            Map.entry("/bug", ctx -> {
                throw new NullPointerException("secret internal detail /var/lib/larch");
            }),
            // An IllegalArgumentException is a bug of the server (input errors are InvalidInputException).
            Map.entry("/illegalArgument", ctx -> {
                throw new IllegalArgumentException("secret index 7 out of /var/lib/larch");
            }));

    private static Javalin server;
    private static HttpJson http;

    @BeforeAll
    static void start() {
        server = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = "127.0.0.1";
            config.jetty.port = 0;
            config.jsonMapper(new JavalinJackson(new ObjectMapper(), true));
            ErrorMapping.install(config, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                    new io.larch.ingest.IngestCounters());
            THROWING.forEach(config.routes::get);
        }).start();
        http = new HttpJson("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void everyFailureHasItsStatusAndAJsonBodySayingWhatToDo() {
        check("/batch", 400, "{\"error\":\"1 of 3 events are invalid; nothing was stored\","
                + "\"details\":[{\"index\":1,\"field\":\"level\",\"reason\":\"unknown level 'loud'\"}]}");
        check("/full", 503, "{\"error\":\"ingest is paused; retry in a moment\"}");
        check("/large", 413, "{\"error\":\"body over 512 KB\"}");
        check("/query", 400, "{\"error\":\"bad query: missing ')' at position 4\",\"position\":4}");
        check("/param", 400, "{\"error\":\"limit: must be between 1 and 1000\"}");
        check("/unauthenticated", 401, "{\"error\":\"missing credential\"}");
        check("/forbidden", 403, "{\"error\":\"this key may not read\"}");
        check("/missing", 404, "{\"error\":\"no project 'x'\"}");
        check("/conflict", 409, "{\"error\":\"a project with slug 'x' already exists\"}");
        check("/wal", 503, "{\"error\":\"could not store the batch (write failed); nothing was acknowledged, retry later\"}");
        assertEquals(507, http.get("/wal-full", null).status(), "a full disk is 507, not 500 or 503");
        check("/timeout", 503, "{\"error\":\"the query took longer than 10 s\"}");
        check("/busy", 429, "{\"error\":\"4 queries of this key are running\"}");
        check("/nowhere", 404, "{\"error\":\"no such endpoint: GET /nowhere\"}");
    }

    @Test
    void retryableFailuresSayWhenToRetryAndAuthFailuresHowToAuthenticate() {
        assertEquals("1", http.get("/full", null).header("Retry-After"));
        assertEquals("5", http.get("/wal", null).header("Retry-After"));
        assertEquals("30", http.get("/wal-full", null).header("Retry-After"));
        assertEquals("1", http.get("/busy", null).header("Retry-After"));
        assertEquals("Bearer", http.get("/unauthenticated", null).header("WWW-Authenticate"));
        assertEquals(null, http.get("/forbidden", null).header("WWW-Authenticate"));
    }

    @Test
    void anInternalFaultIs500WithAnErrorIdAndNothingOfTheFault() {
        for (String path : List.of("/bug", "/failed", "/illegalArgument")) {
            HttpJson.Response response = http.get(path, null);
            assertEquals(500, response.status(), path);
            String errorId = response.header("X-Larch-Error-Id");
            assertTrue(errorId != null && errorId.matches("[0-9a-f]{1,16}"), path + ": " + errorId);
            assertTrue(response.body().contains("(error id " + errorId + "); the server log has the details under that id"),
                    response.body());
            assertFalse(response.body().contains("/var/lib/larch"), response.body());
            assertFalse(response.body().contains("secret"), response.body());
        }
        assertNotEquals(http.get("/bug", null).header("X-Larch-Error-Id"), http.get("/bug", null).header("X-Larch-Error-Id"));
    }

    @Test
    void aRouteAskedWithAnotherMethodIsAnUnknownEndpoint() {
        HttpJson.Response response = http.post("/param", null, "{}");
        assertEquals(404, response.status());
        assertEquals("{\"error\":\"no such endpoint: POST /param\"}", response.body());
    }

    private static void check(String path, int status, String body) {
        HttpJson.Response response = http.get(path, null);
        assertEquals(status, response.status(), path + ": " + response.body());
        assertEquals(body, response.body(), path);
        assertEquals("application/json", response.header("Content-Type").split(";")[0], path);
    }
}
