package io.larch.alert;

import io.larch.model.InvalidInputException;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.query.EventMatcher;
import io.larch.query.QueryException;
import io.larch.query.QueryParser;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * One alert rule of a project, validated.
 *
 * @param threshold spike, pattern: events at least; absence: events fewer than; error rate: the
 *                  share in percent (1-100)
 * @param minEvents error rate: events in the window at least before a rate counts
 * @param window    the sliding window the counts are over
 * @param suppress  after an alert, how long the same rule and group stay quiet (counting what they
 *                  suppress, told in one summary at the end)
 * @param query     the query-language filter (pattern, absence; optional for the others), or null
 * @param minLevel  spike, new fingerprint: the lowest level that counts
 * @param channels  where its alerts go (none: they are only recorded in the history)
 * @param origin    who made it: the API (or the dashboard), the defaults, or the rules file
 */
public record AlertRule(long id, long projectId, String name, Kind kind, double threshold, long minEvents,
                        Duration window, Duration suppress, String query, Level minLevel, List<AlertChannel> channels,
                        Origin origin, Predicate<LogEvent> matcher) {
    /** Who made a rule: the rules file owns its rules (the API cannot change them). */
    public enum Origin {
        API, DEFAULT, FILE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a rule watches. */
    public enum Kind {
        /** At least N events of one fingerprint at or above a level within the window. */
        SPIKE,
        /** The share of error and fatal events above X% over the window, with at least M events. */
        ERROR_RATE,
        /** The first event of a fingerprint never seen in the project, at or above a level. */
        NEW_FINGERPRINT,
        /** At least N events matching a query within the window. */
        PATTERN,
        /** Fewer than N events matching a query within the window: something went silent. */
        ABSENCE,
        /** More than X% of the last N builds (threshold, minEvents) that ended, failed. */
        BUILD_FAILURES,
        /** A deployment that ended failed (each deployment alerts once). */
        DEPLOY_FAILURE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind named {@code text} ({@code spike}, {@code error_rate}, ...). */
        public static Kind parse(String text) {
            for (Kind kind : values()) {
                if (kind.wireName().equals(text)) {
                    return kind;
                }
            }
            throw new InvalidInputException("kind: unknown rule kind '" + text + "'; use one of "
                    + java.util.Arrays.stream(values()).map(Kind::wireName).toList());
        }
    }

    /** Builds a failure-ratio rule looks at, at most. */
    static final int MAX_BUILDS = 1000;

    public static final Duration DEFAULT_SUPPRESS = Duration.ofMinutes(15);
    private static final Duration MAX_WINDOW = Duration.ofDays(1);

    /**
     * A checked rule.
     *
     * @throws InvalidInputException naming the field that is wrong (a bad query with its position)
     */
    public static AlertRule of(long id, long projectId, String name, Kind kind, double threshold, long minEvents,
                               Duration window, Duration suppress, String query, Level minLevel) {
        return of(id, projectId, name, kind, threshold, minEvents, window, suppress, query, minLevel, List.of(), Origin.API);
    }

    /** A checked rule with its channels. */
    public static AlertRule of(long id, long projectId, String name, Kind kind, double threshold, long minEvents,
                               Duration window, Duration suppress, String query, Level minLevel,
                               List<AlertChannel> channels, Origin origin) {
        if (kind == null) {
            throw new InvalidInputException("kind: say what the rule watches: one of "
                    + java.util.Arrays.stream(Kind.values()).map(Kind::wireName).toList());
        }
        if (name == null || name.isBlank() || name.length() > 200) {
            throw new InvalidInputException("name: give the rule a name of 1-200 characters");
        }
        if (window == null || window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(MAX_WINDOW) > 0) {
            throw new InvalidInputException("window: between 1s and 1d");
        }
        Duration quiet = suppress == null ? DEFAULT_SUPPRESS : suppress;
        if (quiet.isNegative() || quiet.compareTo(MAX_WINDOW) > 0) {
            throw new InvalidInputException("suppress: between 0s and 1d");
        }
        switch (kind) {
            case ERROR_RATE -> {
                if (threshold <= 0 || threshold > 100) {
                    throw new InvalidInputException("threshold: the error share in percent, above 0 and at most 100");
                }
                if (minEvents < 1) {
                    throw new InvalidInputException("minEvents: at least 1");
                }
            }
            case PATTERN, ABSENCE -> {
                if (query == null || query.isBlank()) {
                    throw new InvalidInputException("query: a " + kind.name().toLowerCase(Locale.ROOT)
                            + " rule needs the query it counts");
                }
                requireCount(threshold);
            }
            case SPIKE -> requireCount(threshold);
            case BUILD_FAILURES -> {
                if (threshold < 0 || threshold >= 100) {
                    throw new InvalidInputException("threshold: the failed share in percent, at least 0 and below 100");
                }
                if (minEvents < 1 || minEvents > MAX_BUILDS) {
                    throw new InvalidInputException("minEvents: the last N builds the share is over, 1-" + MAX_BUILDS);
                }
            }
            case NEW_FINGERPRINT, DEPLOY_FAILURE -> threshold = 1; // each first sight, each failed deployment
        }
        if (window.toMillis() % 1000 != 0 || quiet.toMillis() % 1000 != 0) {
            throw new InvalidInputException((window.toMillis() % 1000 != 0 ? "window" : "suppress") + ": whole seconds, like 90s");
        }
        if (channels.size() > 20) {
            throw new InvalidInputException("channels: at most 20 per rule");
        }
        Predicate<LogEvent> matcher = query == null || query.isBlank() ? event -> true : matcher(query);
        return new AlertRule(id, projectId, name, kind, threshold, minEvents, window, quiet,
                query == null || query.isBlank() ? null : query, minLevel == null ? Level.ERROR : minLevel,
                List.copyOf(channels), origin, matcher);
    }

    private static void requireCount(double threshold) {
        if (threshold < 1 || threshold != Math.floor(threshold) || threshold > 1_000_000_000) {
            throw new InvalidInputException("threshold: a whole number of events, at least 1");
        }
    }

    private static Predicate<LogEvent> matcher(String query) {
        try {
            return EventMatcher.compile(QueryParser.parse(query));
        } catch (QueryException e) {
            throw new InvalidInputException("query: " + e.getMessage());
        }
    }

    /** How the rule counts (not its name, threshold, quiet time or channels): counts made another way do not carry over. */
    String countingSignature() {
        return kind + "|" + window.toMillis() + "|" + minEvents + "|" + minLevel + "|" + query;
    }

    /** Whether {@code event} counts for this rule's level and query. */
    boolean counts(LogEvent event) {
        return event.level().severity() >= minLevel.severity() && matcher.test(event);
    }
}
