package io.larch.model;

import java.util.Locale;
import java.util.Optional;

/** Severity of an event, ordered from least to most severe; {@link #severity()} is what is stored. */
public enum Level {
    TRACE, DEBUG, INFO, WARN, ERROR, FATAL;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** The stored number (0 = trace .. 5 = fatal); comparisons like {@code level>=warn} use it. */
    public int severity() {
        return ordinal();
    }

    /** The lowercase name used on the wire and in queries. */
    public String wireName() {
        return wireName;
    }

    public static Level ofSeverity(int severity) {
        return values()[severity];
    }

    /**
     * Normalizes a level name the way clients actually spell them: case-insensitive, with the
     * common aliases ({@code warning}, {@code err}, {@code critical}, ...). Empty when unknown.
     */
    public static Optional<Level> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (text.trim().toLowerCase(Locale.ROOT)) {
            // winston's npm levels below info: http, verbose, debug, silly.
            case "trace", "verbose", "silly" -> TRACE;
            case "debug", "dbg", "http" -> DEBUG;
            case "info", "information", "informational", "notice", "log" -> INFO;
            case "warn", "warning" -> WARN;
            case "error", "err" -> ERROR;
            case "fatal", "critical", "crit", "panic", "emerg", "emergency", "alert" -> FATAL;
            default -> null;
        });
    }

    /** The list shown in error messages. */
    public static String names() {
        return "trace, debug, info, warn, error, fatal";
    }
}
