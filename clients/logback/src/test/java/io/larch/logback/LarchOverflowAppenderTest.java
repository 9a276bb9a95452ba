package io.larch.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overflow mode against a real Larch: events reach Larch only while the primary appender fails. */
class LarchOverflowAppenderTest {
    @TempDir
    Path dir;

    private static LoggerContext overflowConfig(TestServer server, String key, String primaryClass) {
        return Logback.withAppenders("""
                <appender name="PRIMARY" class="%s"/>
                <appender name="OVERFLOW" class="io.larch.logback.LarchOverflowAppender">
                  <appender-ref ref="PRIMARY"/>
                  <url>%s</url>
                  <key>%s</key>
                  <quietPeriodMs>300</quietPeriodMs>
                  <flushIntervalMs>20</flushIntervalMs>
                </appender>""".formatted(primaryClass, server.http().base(), key), "OVERFLOW");
    }

    private static LarchOverflowAppender overflowOf(LoggerContext logback) {
        return (LarchOverflowAppender) logback.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("OVERFLOW");
    }

    private static List<String> lines(String prefix) {
        return IntStream.range(0, 5).mapToObj(i -> prefix + " " + i).toList();
    }

    @Test
    void sendsToLarchOnlyWhileThePrimaryReportsItsQuotaExhausted() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            LoggerContext logback = overflowConfig(server, key, QuotaLimitedPrimary.class.getName());
            LarchOverflowAppender overflow = overflowOf(logback);
            QuotaLimitedPrimary primary = (QuotaLimitedPrimary) overflow.getAppender("PRIMARY");
            Logger logger = logback.getLogger("checkout");

            lines("before quota").forEach(logger::info);
            primary.exhaustQuota();
            lines("during outage").forEach(logger::info);
            assertTrue(overflow.isOverflowing());
            primary.renewQuota();
            Thread.sleep(400); // the quiet period
            lines("after recovery").forEach(logger::info);
            assertFalse(overflow.isOverflowing());
            logback.stop();

            assertEquals(lines("during outage"), LarchSearch.messages(LarchSearch.awaitEvents(server, "shop", "outage", 5)),
                    "every event the primary lost is in Larch");
            assertTrue(LarchSearch.events(server, "shop", "before").isEmpty(), "nothing while the primary worked");
            assertTrue(LarchSearch.events(server, "shop", "recovery").isEmpty(), "nothing once it recovered");
            List<JsonNode> notices = LarchSearch.awaitEvents(server, "shop", "\"larch overflow\"", 2);
            assertEquals(2, notices.size(), LarchSearch.messages(notices).toString());
            assertTrue(notices.get(0).get("message").asText().startsWith("larch overflow on: primary appender PRIMARY is"
                    + " failing (provider answered 429: monthly quota exceeded"), notices.get(0).get("message").asText());
            assertEquals("warn", notices.get(0).get("level").asText());
            assertTrue(notices.get(1).get("message").asText().startsWith("larch overflow off: primary appender PRIMARY"
                    + " recovered; 5 events were sent to Larch meanwhile"), notices.get(1).get("message").asText());
            List<String> keptByPrimary = new java.util.ArrayList<>(lines("before quota"));
            keptByPrimary.addAll(lines("after recovery"));
            assertEquals(keptByPrimary, primary.kept(), "the primary gets every event it can take");
            assertTrue(Logback.statuses(logback).contains("larch overflow on"), "a status line at the switch too");
        }
    }

    @Test
    void aPrimaryThatThrowsStaysFailingOnceLogbackStopsReportingIt() throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("larch"))) {
            String key = server.createProject("Shop");
            LoggerContext logback = overflowConfig(server, key, ThrowingPrimary.class.getName());
            Logger logger = logback.getLogger("checkout");
            lines("thrown away").forEach(logger::info);
            Thread.sleep(400); // longer than the quiet period: Logback's silence after 3 exceptions is not a recovery
            lines("still broken").forEach(logger::info);
            logback.stop();
            assertEquals(lines("thrown away"), LarchSearch.messages(LarchSearch.awaitEvents(server, "shop", "thrown", 5)));
            assertEquals(lines("still broken"), LarchSearch.messages(LarchSearch.awaitEvents(server, "shop", "broken", 5)));
        }
    }

    @Test
    void withoutAPrimaryTheOverflowAppenderSaysWhatIsMissing() {
        LoggerContext logback = Logback.withAppenders("""
                <appender name="OVERFLOW" class="io.larch.logback.LarchOverflowAppender">
                  <url>http://127.0.0.1:1</url><key>k</key>
                </appender>""", "OVERFLOW");
        assertTrue(Logback.statuses(logback).contains("no primary appender: put <appender-ref ref=\"...\"/> inside"),
                Logback.statuses(logback));
        assertFalse(overflowOf(logback).isStarted());
        logback.stop();
    }
}
