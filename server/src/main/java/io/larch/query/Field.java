package io.larch.query;

import io.larch.model.LogEvent;
import io.larch.part.PartColumns;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/** The event fields a query can name as {@code field:value}; each knows its column and its getter. */
public enum Field {
    LEVEL("level", PartColumns.LEVEL, null),
    KIND("kind", PartColumns.KIND, null),
    SOURCE("source", PartColumns.SOURCE, LogEvent::source),
    USER("user", PartColumns.USER_ID, LogEvent::userId),
    CONVERSATION("conversation", PartColumns.CONVERSATION_ID, LogEvent::conversationId),
    BUILD("build", PartColumns.BUILD_ID, LogEvent::buildId),
    DEPLOYMENT("deployment", PartColumns.DEPLOYMENT_ID, LogEvent::deploymentId),
    TRACE("trace", PartColumns.TRACE_ID, LogEvent::traceId),
    FINGERPRINT("fingerprint", PartColumns.FINGERPRINT, LogEvent::fingerprint),
    STATUS("status", PartColumns.STATUS, LogEvent::status);

    private final String queryName;
    private final String column;
    private final Function<LogEvent, String> textGetter;

    Field(String queryName, String column, Function<LogEvent, String> textGetter) {
        this.queryName = queryName;
        this.column = column;
        this.textGetter = textGetter;
    }

    public String queryName() {
        return queryName;
    }

    public String column() {
        return column;
    }

    /** The field's text; not for {@link #LEVEL} and {@link #KIND}, which are matched as enums. */
    public String text(LogEvent event) {
        return textGetter.apply(event);
    }

    public static Optional<Field> byQueryName(String name) {
        return Arrays.stream(values()).filter(f -> f.queryName.equals(name)).findFirst();
    }

    /** For error messages. */
    public static String names() {
        return "level, kind, source, user, conversation, build, deployment, trace, fingerprint, status, attrs.<key>";
    }
}
