package io.larch.model;

import java.util.Map;

/**
 * One stored log event. Optional text fields are null when absent; {@code attrs} is never null
 * and holds string values only (numbers and booleans keep their JSON spelling), so every reader
 * (Parquet, the head, the live tail) sees the same values.
 *
 * @param id          {@link EventId}: unique, sortable by receive time
 * @param ts          event time, epoch milliseconds (client-supplied or the receive time)
 * @param receivedAt  receive time, epoch milliseconds
 * @param projectId   owning project
 */
public record LogEvent(
        long id,
        long ts,
        long receivedAt,
        long projectId,
        Kind kind,
        Level level,
        String message,
        String source,
        String stack,
        String fingerprint,
        String userId,
        String conversationId,
        String buildId,
        String deploymentId,
        String traceId,
        String status,
        Map<String, String> attrs) {

    public LogEvent {
        if (kind == null || level == null || message == null || fingerprint == null || attrs == null) {
            throw new IllegalArgumentException("kind, level, message, fingerprint and attrs are required");
        }
        attrs = AttrMap.copyOf(attrs);
    }

    /** This event under another id (ids are handed out once a batch is known to be stored). */
    public LogEvent withId(long newId) {
        return new LogEvent(newId, ts, receivedAt, projectId, kind, level, message, source, stack, fingerprint, userId,
                conversationId, buildId, deploymentId, traceId, status, attrs);
    }

    /** Newest first: larger ts first, then larger id. The one order every reader returns. */
    public static int compareNewestFirst(LogEvent a, LogEvent b) {
        int byTs = Long.compare(b.ts, a.ts);
        return byTs != 0 ? byTs : Long.compare(b.id, a.id);
    }
}
