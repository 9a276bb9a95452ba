package io.larch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.model.Level;
import java.util.Locale;

/**
 * How the CLI prints one event: {@code time LEVEL [source] message}, the level padded to five
 * columns and, when {@code color} is on, in an ANSI color (red for error and fatal, yellow for
 * warn, dim for debug and trace).
 */
final class EventLine {
    private static final String RESET = "\u001b[0m";

    private EventLine() {
    }

    /** The line of one event in the API's event JSON (a search result, a stream's data). */
    static String format(JsonNode event, boolean color) {
        return format(event.path("ts").asText(), event.path("level").asText("info"),
                event.hasNonNull("source") ? event.get("source").asText() : null, event.path("message").asText(), color);
    }

    static String format(String ts, String level, String source, String message, boolean color) {
        String padded = String.format(Locale.ROOT, "%-5s", level.toUpperCase(Locale.ROOT));
        String shownLevel = color ? colorOf(level) + padded + RESET : padded;
        return ts + " " + shownLevel + (source == null ? "" : " [" + source + "]") + " " + message;
    }

    /** The ANSI start sequence for a level's wire name; plain for info and names not known. */
    private static String colorOf(String level) {
        return switch (Level.parse(level).orElse(Level.INFO)) {
            case FATAL -> "\u001b[1;31m";
            case ERROR -> "\u001b[31m";
            case WARN -> "\u001b[33m";
            case INFO -> "\u001b[32m";
            case DEBUG, TRACE -> "\u001b[2m";
        };
    }
}
