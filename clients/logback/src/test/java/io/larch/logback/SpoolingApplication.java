package io.larch.logback;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;

/**
 * An application in a JVM of its own, for a test to kill with SIGKILL: it logs {@code count}
 * events to a Larch that is down, says "spooled" once the appender holds them all in its spool,
 * and waits to be killed (no Logback stop, no shutdown hook).
 *
 * <p>Arguments: url, key, spool directory, count.
 */
public final class SpoolingApplication {
    private SpoolingApplication() {
    }

    public static void main(String[] args) throws InterruptedException {
        LoggerContext logback = Logback.withAppenders("""
                <appender name="LARCH" class="io.larch.logback.LarchAppender">
                  <url>%s</url><key>%s</key><spoolDir>%s</spoolDir>
                  <batchSize>10</batchSize><flushIntervalMs>10</flushIntervalMs>
                </appender>""".formatted(args[0], args[1], args[2]), "LARCH");
        LarchAppender appender = (LarchAppender) logback.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("LARCH");
        int count = Integer.parseInt(args[3]);
        for (int i = 0; i < count; i++) {
            logback.getLogger("crashing").error("before the crash {}", String.format("%03d", i));
        }
        while (appender.getBacklogCount() < count) {
            Thread.sleep(10);
        }
        System.out.println("spooled " + appender.getBacklogCount());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
