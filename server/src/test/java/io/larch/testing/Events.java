package io.larch.testing;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small event builders for tests. */
public final class Events {
    private Events() {
    }

    public static LogEvent event(long id, long ts, long projectId, Kind kind, String message) {
        return new LogEvent(id, ts, ts, projectId, kind, Level.INFO, message, null, null, "fp", null, null, null, null,
                null, null, Map.of());
    }

    /** A line of build {@code buildId}: kind {@code kind}, with {@code status} (null for none). */
    public static LogEvent buildLine(long id, long projectId, Kind kind, String buildId, String status, String message) {
        return new LogEvent(id, 1_795_000_000_000L + id, 1_795_000_000_000L + id, projectId, kind, Level.INFO, message,
                null, null, "fp", null, null, buildId, null, null, status, Map.of());
    }

    /** An app event of end user {@code userId}. */
    public static LogEvent ofUser(long id, long ts, long projectId, String userId, String message) {
        return new LogEvent(id, ts, ts, projectId, Kind.APP, Level.INFO, message, null, null, "fp", userId, null, null, null,
                null, null, Map.of());
    }

    /** {@code count} events with ids and timestamps counting up from {@code firstId}. */
    public static List<LogEvent> batch(long firstId, int count, Kind kind, String prefix) {
        List<LogEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(event(firstId + i, 1_795_000_000_000L + firstId + i, 1, kind, prefix + " " + (firstId + i)));
        }
        return events;
    }
}
