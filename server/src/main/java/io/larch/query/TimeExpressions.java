package io.larch.query;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the time bounds people type: ISO-8601, epoch milliseconds, {@code now}, or relative like {@code -15m}. */
public final class TimeExpressions {
    private static final Pattern RELATIVE = Pattern.compile("-\\s*(\\d+)\\s*(ms|s|m|h|d|w)");

    private TimeExpressions() {
    }

    /**
     * Parses {@code text} to epoch milliseconds relative to {@code nowMillis}. Date-times without
     * an offset are UTC; a bare date is its midnight UTC. Throws IllegalArgumentException saying
     * what forms are accepted.
     */
    public static long parse(String name, String text, long nowMillis) {
        String value = text.trim();
        if (value.equalsIgnoreCase("now")) {
            return nowMillis;
        }
        Matcher relative = RELATIVE.matcher(value.toLowerCase(Locale.ROOT));
        if (relative.matches()) {
            long amount = Long.parseLong(relative.group(1));
            Duration ago = switch (relative.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> Duration.ofDays(7 * amount);
            };
            return nowMillis - ago.toMillis();
        }
        if (value.matches("\\d{1,15}")) {
            return Long.parseLong(value);
        }
        try {
            return OffsetDateTime.parse(value.replace(' ', 'T')).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(value.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDate.parse(value).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // fall through to the error
        }
        throw new IllegalArgumentException(name + ": cannot read '" + text
                + "' as a time; use ISO-8601 (2026-11-22T10:00:00Z), epoch milliseconds, now, or relative like -15m, -1h, -7d");
    }

    /** For messages: an epoch-millisecond value as ISO-8601. */
    public static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
