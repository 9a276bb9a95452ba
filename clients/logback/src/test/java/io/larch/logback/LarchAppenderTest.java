package io.larch.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The appender, configured from logback.xml, sending to a real Larch on 127.0.0.1. */
class LarchAppenderTest {
    @TempDir
    Path dir;

    private static String larchAppender(String url, String key, String extraSettings) {
        return """
                <appender name="LARCH" class="io.larch.logback.LarchAppender">
                  <url>%s</url>
                  <key>%s</key>
                  %s
                </appender>""".formatted(url, key, extraSettings);
    }

    private static LarchAppender appenderOf(LoggerContext logback) {
        return (LarchAppender) logback.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("LARCH");
    }

    /** A port nothing listens on yet: the server is started there later. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Sets project shop's request rate limit ({@code -1}: back to the server's default). */
    private static void limitRequestsPerMinute(TestServer server, int limit) throws InterruptedException {
        HttpJson.Response changed;
        do { // requests on the project count against its limit, this one too: wait for the next token
            changed = server.http().send(java.net.http.HttpRequest.newBuilder(server.http()
                    .uri("/admin/projects/shop/settings")).PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                    "{\"limits\":{\"requestsPerMinute\":" + limit + "}}")).header("Content-Type", "application/json"),
                    TestServer.ADMIN_TOKEN);
            if (changed.status() == 429) {
                Thread.sleep(200);
            }
        } while (changed.status() == 429);
        assertEquals(200, changed.status(), changed.body());
    }

    /** Requests the server refused with 429, all limits together. */
    private static double rateLimited(TestServer server) {
        return server.http().get("/metrics", null).body().lines().filter(l -> l.startsWith("larch_rate_limited_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void eventsArriveWithLevelMessageStackIdsAndAttrs() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            LoggerContext logback = Logback.withAppenders(larchAppender(server.http().base(), key,
                    "<source>checkout</source><flushIntervalMs>50</flushIntervalMs>"), "LARCH");
            Logger logger = logback.getLogger("shop.Checkout");
            logback.getMDCAdapter().put("userId", "u-42");
            logback.getMDCAdapter().put("traceId", "4bf92f3577b34da6a3ce929d0e0e4736");
            logback.getMDCAdapter().put("orderId", "o-7");
            long before = System.currentTimeMillis();
            logger.error("payment of {} failed", "EUR 12", new IllegalStateException("card declined"));
            logback.getMDCAdapter().clear();
            logger.atInfo().addKeyValue("items", 3).log("basket shown");
            logger.debug("debug detail \"quoted\"\ttabbed\nsecond line");
            logback.stop();

            JsonNode payment = LarchSearch.awaitEvents(server, "shop", "payment", 1).getFirst();
            assertEquals("error", payment.get("level").asText());
            assertEquals("payment of EUR 12 failed", payment.get("message").asText());
            assertEquals("checkout", payment.get("source").asText());
            assertEquals("app", payment.get("kind").asText());
            assertTrue(payment.get("stack").asText().startsWith("java.lang.IllegalStateException: card declined"),
                    payment.get("stack").asText());
            assertTrue(payment.get("stack").asText().contains("at io.larch.logback.LarchAppenderTest"), "frames kept");
            assertEquals("u-42", payment.get("userId").asText());
            assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", payment.get("traceId").asText());
            JsonNode attrs = payment.get("attrs");
            assertEquals("shop.Checkout", attrs.get("logger").asText());
            assertEquals(Thread.currentThread().getName(), attrs.get("thread").asText());
            assertEquals("o-7", attrs.get("orderId").asText());
            assertNull(attrs.get("userId"), "the ids are fields, not attrs");
            long ts = Instant.parse(payment.get("ts").asText()).toEpochMilli();
            assertTrue(ts >= before && ts <= System.currentTimeMillis(), "ts is the logging time");

            JsonNode basket = LarchSearch.awaitEvents(server, "shop", "basket", 1).getFirst();
            assertEquals("info", basket.get("level").asText());
            assertEquals("3", basket.get("attrs").get("items").asText(), "SLF4J key-value pairs are attrs");
            assertNull(basket.get("userId"), "the MDC was cleared");
            JsonNode debug = LarchSearch.awaitEvents(server, "shop", "level:debug", 1).getFirst();
            assertEquals("debug detail \"quoted\"\ttabbed\nsecond line", debug.get("message").asText());
        }
    }

    @Test
    void sendsBatchesOfUpTo250AndReadsTheProjectsClientConfig() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            // One request per event would hit this limit at once; 250 a request needs 4 (and 1 for the client config).
            limitRequestsPerMinute(server, 6);
            LoggerContext logback = Logback.withAppenders(larchAppender(server.http().base(), key,
                    "<flushIntervalMs>60000</flushIntervalMs><queueSize>2000</queueSize><sampling>trace=0</sampling>"),
                    "LARCH");
            logback.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(ch.qos.logback.classic.Level.TRACE);
            LarchAppender appender = appenderOf(logback);
            Logger logger = logback.getLogger("bulk");
            for (int i = 0; i < 1000; i++) {
                logger.info("bulk event {}", i);
                logger.trace("trace event {}", i);
            }
            assertTrue(LarchSearch.await(() -> appender.getSentCount() == 1000), "sent " + appender.getSentCount());
            logback.stop();
            assertEquals(0.0, rateLimited(server), "no request was refused");
            limitRequestsPerMinute(server, -1); // the searches below are requests of the project too
            assertEquals(1000, LarchSearch.awaitEvents(server, "shop", "bulk", 1000).size());
            assertEquals(1000, appender.getSampledOutCount(), "trace=0 sends no trace event");
            assertTrue(LarchSearch.events(server, "shop", "trace").isEmpty());
            assertTrue(appender.getEffectiveSampling().contains("info=1.0"),
                    "the server's defaults are read: " + appender.getEffectiveSampling());
            assertTrue(appender.getEffectiveSampling().contains("trace=0.0"), "the local setting wins");
        }
    }

    @Test
    void a429IsWaitedOutWithRetryAfterAndNothingIsLost() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            limitRequestsPerMinute(server, 60); // one request a second once the first 60 are spent: Retry-After 1
            LoggerContext logback = Logback.withAppenders(larchAppender(server.http().base(), key,
                    "<batchSize>1</batchSize><flushIntervalMs>0</flushIntervalMs>"), "LARCH");
            LarchAppender appender = appenderOf(logback);
            for (int i = 0; i < 66; i++) {
                logback.getLogger("limited").info("limited {}", String.format("%02d", i));
            }
            assertTrue(LarchSearch.await(() -> appender.getSentCount() == 66), "sent " + appender.getSentCount());
            logback.stop();
            assertTrue(rateLimited(server) >= 1, "the server did refuse some");
            assertTrue(Logback.statuses(logback).contains("larch answered 429"), Logback.statuses(logback));
            limitRequestsPerMinute(server, -1);
            assertEquals(IntStream.range(0, 66).mapToObj(i -> "limited " + String.format("%02d", i)).toList(),
                    LarchSearch.messages(LarchSearch.awaitEvents(server, "shop", "limited", 66)), "in order");
        }
    }

    @Test
    void spoolsWhileLarchIsDownAndSendsEverythingInOrderOnceItIsUp() throws Exception {
        int port = freePort();
        try (TestServer server = TestServer.start(dir.resolve("larch"), Map.of("LARCH_PORT", Integer.toString(port)),
                Clock.systemUTC())) {
            String key = server.createProject("Shop");
            server.stop();
            Path spool = dir.resolve("spool");
            LoggerContext logback = Logback.withAppenders(larchAppender("http://127.0.0.1:" + port, key,
                    "<batchSize>20</batchSize><flushIntervalMs>20</flushIntervalMs><maxBackoffMs>500</maxBackoffMs>"
                            + "<spoolDir>" + spool + "</spoolDir>"), "LARCH");
            LarchAppender appender = appenderOf(logback);
            Logger logger = logback.getLogger("orders");
            for (int i = 0; i < 300; i++) {
                logger.info("order step {}", String.format("%03d", i));
            }
            assertTrue(LarchSearch.await(() -> appender.getBacklogCount() == 300), "spooled " + appender.getBacklogCount());
            try (Stream<Path> segments = Files.list(spool)) {
                assertTrue(segments.count() >= 15, "NDJSON segments on disk");
            }
            assertTrue(Logback.statuses(logback).contains("unreachable"), Logback.statuses(logback));

            server.start();
            for (int i = 300; i < 310; i++) {
                logger.info("order step {}", String.format("%03d", i));
            }
            List<JsonNode> events = LarchSearch.awaitEvents(server, "shop", "order", 310);
            logback.stop();
            assertEquals(IntStream.range(0, 310).mapToObj(i -> "order step " + String.format("%03d", i)).toList(),
                    LarchSearch.messages(events), "nothing lost, nothing twice, in the order logged");
            try (Stream<Path> segments = Files.list(spool)) {
                assertEquals(0, segments.count(), "sent segments are deleted");
            }
            assertEquals(0, appender.getQueueDroppedCount() + appender.getSpoolDroppedCount());
        }
    }

    @Test
    void aRestartedApplicationSendsWhatTheLastRunSpooled() throws Exception {
        int port = freePort();
        try (TestServer server = TestServer.start(dir.resolve("larch"), Map.of("LARCH_PORT", Integer.toString(port)),
                Clock.systemUTC())) {
            String key = server.createProject("Shop");
            server.stop();
            String settings = "<flushIntervalMs>20</flushIntervalMs><shutdownTimeoutMs>200</shutdownTimeoutMs>"
                    + "<spoolDir>" + dir.resolve("spool") + "</spoolDir>";
            LoggerContext firstRun = Logback.withAppenders(larchAppender("http://127.0.0.1:" + port, key, settings), "LARCH");
            for (int i = 0; i < 50; i++) {
                firstRun.getLogger("job").warn("run one line {}", String.format("%02d", i));
            }
            LarchAppender firstAppender = appenderOf(firstRun);
            firstRun.stop();
            assertEquals(0, firstAppender.getSentCount());

            server.start();
            LoggerContext secondRun = Logback.withAppenders(larchAppender("http://127.0.0.1:" + port, key, settings), "LARCH");
            secondRun.getLogger("job").warn("run two line 00");
            List<JsonNode> events = LarchSearch.awaitEvents(server, "shop", "run", 51);
            secondRun.stop();
            List<String> expected = new java.util.ArrayList<>(IntStream.range(0, 50)
                    .mapToObj(i -> "run one line " + String.format("%02d", i)).toList());
            expected.add("run two line 00");
            assertEquals(expected, LarchSearch.messages(events));
            assertTrue(Logback.statuses(secondRun).contains("50 events from an earlier run"), Logback.statuses(secondRun));
        }
    }

    @Test
    void whatAKilledJvmSpooledIsSentByTheNextStart() throws Exception {
        int port = freePort();
        try (TestServer server = TestServer.start(dir.resolve("larch"), Map.of("LARCH_PORT", Integer.toString(port)),
                Clock.systemUTC())) {
            String key = server.createProject("Shop");
            server.stop();
            Path spool = dir.resolve("spool");
            String java = ProcessHandle.current().info().command().orElse("java");
            Process application = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    "io.larch.logback.SpoolingApplication", "http://127.0.0.1:" + port, key, spool.toString(), "100")
                    .redirectErrorStream(true).start();
            try (var output = new java.io.BufferedReader(new java.io.InputStreamReader(application.getInputStream()))) {
                String line = output.readLine();
                while (line != null && !line.startsWith("spooled")) {
                    line = output.readLine();
                }
                assertEquals("spooled 100", line);
            } finally {
                application.destroyForcibly(); // SIGKILL: no stop, no shutdown hook
                application.waitFor();
            }

            server.start();
            LoggerContext nextStart = Logback.withAppenders(larchAppender("http://127.0.0.1:" + port, key,
                    "<flushIntervalMs>20</flushIntervalMs><spoolDir>" + spool + "</spoolDir>"), "LARCH");
            List<JsonNode> events = LarchSearch.awaitEvents(server, "shop", "crash", 100);
            nextStart.stop();
            assertEquals(IntStream.range(0, 100).mapToObj(i -> "before the crash " + String.format("%03d", i)).toList(),
                    LarchSearch.messages(events));
            assertEquals("error", events.getFirst().get("level").asText());
        }
    }

    @Test
    void aFullSpoolDropsTheOldestBatches() throws Exception {
        int port = freePort();
        try (TestServer server = TestServer.start(dir.resolve("larch"), Map.of("LARCH_PORT", Integer.toString(port)),
                Clock.systemUTC())) {
            String key = server.createProject("Shop");
            server.stop();
            LoggerContext logback = Logback.withAppenders(larchAppender("http://127.0.0.1:" + port, key,
                    "<batchSize>10</batchSize><flushIntervalMs>10</flushIntervalMs><maxBackoffMs>500</maxBackoffMs>"
                            + "<maxSpoolBytes>8000</maxSpoolBytes><spoolDir>" + dir.resolve("spool") + "</spoolDir>"),
                    "LARCH");
            LarchAppender appender = appenderOf(logback);
            for (int i = 0; i < 200; i++) {
                logback.getLogger("flood").info("flood {}", String.format("%03d", i));
            }
            assertTrue(LarchSearch.await(() -> appender.getBacklogCount() + appender.getSpoolDroppedCount() == 200),
                    appender.getBacklogCount() + " spooled, " + appender.getSpoolDroppedCount() + " dropped");
            long dropped = appender.getSpoolDroppedCount();
            assertTrue(dropped >= 100, "8 KB holds far fewer than 200 events: dropped " + dropped);
            long directoryBytes;
            try (Stream<Path> segments = Files.list(dir.resolve("spool"))) {
                directoryBytes = segments.mapToLong(p -> p.toFile().length()).sum();
            }
            assertTrue(directoryBytes <= 8000, "bounded: " + directoryBytes);

            server.start();
            assertTrue(LarchSearch.await(() -> appender.getBacklogCount() == 0));
            logback.stop();
            List<String> received = LarchSearch.messages(LarchSearch.events(server, "shop", "flood"));
            assertEquals(IntStream.range((int) dropped, 200).mapToObj(i -> "flood " + String.format("%03d", i)).toList(),
                    received, "the newest are kept, the oldest dropped");
        }
    }

    @Test
    void aWrongKeyIsReportedAndItsEventsAreKeptForRetry() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            server.createProject("Shop");
            LoggerContext logback = Logback.withAppenders(larchAppender(server.http().base(), "lk_not-a-real-key",
                    "<flushIntervalMs>10</flushIntervalMs><shutdownTimeoutMs>100</shutdownTimeoutMs>"), "LARCH");
            LarchAppender appender = appenderOf(logback);
            logback.getLogger("x").info("refused");
            assertTrue(LarchSearch.await(() -> Logback.statuses(logback).contains("larch answered 401")),
                    Logback.statuses(logback));
            assertEquals(1, appender.getBacklogCount(), "kept: a key being rotated must not lose events");
            logback.stop();
            assertTrue(LarchSearch.events(server, "shop", "refused").isEmpty());
        }
    }

    @Test
    void aMissingUrlOrKeyOrBadSamplingIsAStatusErrorAndTheAppenderStaysStopped() {
        LoggerContext logback = Logback.withAppenders("""
                <appender name="LARCH" class="io.larch.logback.LarchAppender">
                  <sampling>debug=lots</sampling>
                  <kind>loud</kind>
                </appender>""", "LARCH");
        String statuses = Logback.statuses(logback);
        assertTrue(statuses.contains("url is not set"), statuses);
        assertTrue(statuses.contains("key is not set"), statuses);
        assertTrue(statuses.contains("the rate in 'debug=lots' must be a number from 0 to 1"), statuses);
        assertTrue(statuses.contains("kind 'loud' is not one of Larch's kinds [app, work"), statuses);
        assertFalse(appenderOf(logback).isStarted());
        logback.getLogger("x").info("goes nowhere, and does not throw");
        logback.stop();
    }

    @Test
    void theClientConfigRouteAnswersTheProjectsKeyOnly() {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            HttpJson.Response config = server.http().get("/api/client-config", key);
            assertEquals(200, config.status(), config.body());
            assertEquals(1.0, config.json().get("sampling").get("debug").asDouble());
            assertEquals(250, config.json().get("maxBatch").asInt());
            assertEquals("shop", config.json().get("project").asText());
            assertEquals(401, server.http().get("/api/client-config", "lk_wrong").status());
        }
    }
}
