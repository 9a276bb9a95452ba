package io.larch.query;

import io.larch.model.InvalidInputException;
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
    private static final Pattern RELATIVE = Pattern.compile("-\\s*(\\d{1,18})\\s*(ms|s|m|h|d|w)");
    /** The earliest time a query may name: 0000-01-01T00:00:00Z. */
    public static final long MIN_MILLIS = -62_167_219_200_000L;
    /** Just after the latest time a query may name: 10000-01-01T00:00:00Z. */
    public static final long MAX_MILLIS = 253_402_300_800_000L;

    private TimeExpressions() {
    }

    /**
     * Parses {@code text} to epoch milliseconds relative to {@code nowMillis}. Date-times without
     * an offset are UTC; a bare date is its midnight UTC. Throws InvalidInputException saying
     * what forms are accepted, also for times outside [{@link #MIN_MILLIS}, {@link #MAX_MILLIS}].
     */
    public static long parse(String name, String text, long nowMillis) {
        long millis = parseUnbounded(name, text, nowMillis);
        if (millis < MIN_MILLIS || millis > MAX_MILLIS) {
            throw outOfRange(name, text);
        }
        return millis;
    }

    private static long parseUnbounded(String name, String text, long nowMillis) {
        String value = text.trim();
        if (value.equalsIgnoreCase("now")) {
            return nowMillis;
        }
        Matcher relative = RELATIVE.matcher(value.toLowerCase(Locale.ROOT));
        if (relative.matches()) {
            long amount = Long.parseLong(relative.group(1));
            long unitMillis = switch (relative.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                case "d" -> 86_400_000;
                default -> 7 * 86_400_000L;
            };
            try {
                return Math.subtractExact(nowMillis, Math.multiplyExact(amount, unitMillis));
            } catch (ArithmeticException e) {
                throw outOfRange(name, text);
            }
        }
        if (value.matches("\\d{1,15}")) {
            return Long.parseLong(value);
        }
        try {
            return OffsetDateTime.parse(value.replace(' ', 'T')).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        } catch (ArithmeticException e) {
            throw outOfRange(name, text);
        }
        try {
            return LocalDateTime.parse(value.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        } catch (ArithmeticException e) {
            throw outOfRange(name, text);
        }
        try {
            return LocalDate.parse(value).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // fall through to the error
        } catch (ArithmeticException e) {
            throw outOfRange(name, text);
        }
        throw new InvalidInputException(name + ": cannot read '" + text
                + "' as a time; use ISO-8601 (2026-11-22T10:00:00Z), epoch milliseconds, now, or relative like -15m, -1h, -7d");
    }

    private static InvalidInputException outOfRange(String name, String text) {
        return new InvalidInputException(name + ": '" + text + "' is outside the years 0000 to 9999");
    }

    /** For messages: an epoch-millisecond value as ISO-8601. */
    public static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
