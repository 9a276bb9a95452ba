package io.larch.query;

import io.larch.model.InvalidInputException;
import io.larch.model.Kind;
import io.larch.model.Level;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The filters of a search as people type them (HTTP parameters, CLI options), turned into one
 * {@link Query}: the project, then kind, level, time range and the query text, ANDed. Each
 * argument may be null. Throws InvalidInputException naming the bad filter. The time bounds
 * are kept too (unbounded sides are Long.MIN_VALUE / Long.MAX_VALUE) for histograms.
 */
public record SearchFilters(Query query, long fromMillis, long toMillis) {

    public static SearchFilters build(long projectId, String queryText, String kinds, String level, String from, String to,
                              long nowMillis) {
        List<Query> clauses = new ArrayList<>();
        clauses.add(new Query.ProjectIs(projectId));
        if (isSet(kinds)) {
            Set<Kind> wanted = EnumSet.noneOf(Kind.class);
            for (String name : kinds.split(",")) {
                wanted.add(Kind.parse(name).orElseThrow(() -> new InvalidInputException(
                        "kind: unknown kind '" + name.trim() + "'; use one of " + Kind.names())));
            }
            clauses.add(new Query.KindIn(wanted));
        }
        if (isSet(level)) {
            clauses.add(levelFilter(level.trim()));
        }
        long fromMillis = isSet(from) ? TimeExpressions.parse("from", from, nowMillis) : Long.MIN_VALUE;
        long toMillis = isSet(to) ? TimeExpressions.parse("to", to, nowMillis) : Long.MAX_VALUE;
        if (isSet(from) || isSet(to)) {
            if (fromMillis >= toMillis) {
                throw new InvalidInputException("from must be before to (from=" + from + ", to=" + to + ")");
            }
            clauses.add(new Query.TimeWithin(fromMillis, toMillis));
        }
        clauses.add(QueryParser.parse(queryText));
        return new SearchFilters(Query.and(clauses), fromMillis, toMillis);
    }

    /** {@code error}, {@code warn,error} or {@code >=warn}. */
    private static Query levelFilter(String text) {
        if (text.startsWith(">=")) {
            return new Query.LevelCompare(Query.Comparison.GE, level(text.substring(2)));
        }
        Set<Level> levels = EnumSet.noneOf(Level.class);
        for (String name : text.split(",")) {
            levels.add(level(name));
        }
        return new Query.LevelIn(levels);
    }

    private static Level level(String name) {
        return Level.parse(name).orElseThrow(() -> new InvalidInputException("level: unknown level '"
                + name.trim() + "'; use one of " + Level.names() + ", a comma list, or >=warn"));
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }
}
