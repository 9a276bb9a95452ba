package io.larch.logback;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A Logback of its own per test, configured from logback.xml text exactly as an application's is. */
final class Logback {
    private Logback() {
    }

    static LoggerContext configure(String logbackXml) {
        LoggerContext context = new LoggerContext();
        // What Logback does when it is SLF4J's provider (here slf4j-simple is, for the server in this JVM).
        context.setMDCAdapter(new LogbackMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(new ByteArrayInputStream(logbackXml.getBytes(StandardCharsets.UTF_8)));
        } catch (JoranException e) {
            throw new AssertionError("logback.xml was refused: " + statuses(context), e);
        }
        return context;
    }

    /** {@code <configuration>} with these appenders, and the root logger (DEBUG) writing to {@code rootAppender}. */
    static LoggerContext withAppenders(String appendersXml, String rootAppender) {
        return configure("<configuration>\n" + appendersXml + "\n<root level=\"DEBUG\"><appender-ref ref=\""
                + rootAppender + "\"/></root>\n</configuration>");
    }

    /** The status messages (what Logback and the appenders reported), one per line. */
    static String statuses(LoggerContext context) {
        StringBuilder text = new StringBuilder();
        List<Status> list = context.getStatusManager().getCopyOfStatusList();
        for (Status status : list) {
            text.append(status.getLevel()).append(' ').append(status.getMessage()).append('\n');
        }
        return text.toString();
    }
}
