package io.larch.aggregate;

import io.larch.model.InvalidInputException;
import io.larch.model.LogEvent;
import io.larch.part.PartColumns;
import io.larch.query.Field;
import io.larch.query.Query;
import java.util.List;
import java.util.function.Function;

/**
 * A field events can be grouped by in {@code /api/log/top}: how DuckDB computes it (a SQL
 * expression, maybe with a bound parameter), how Java does (both yield the same text, or null
 * when the event has no value), and the query that selects one value.
 */
public record GroupField(String name, String sqlExpression, List<Object> sqlParameters,
                         Function<LogEvent, String> value, Function<String, Query> matching) {

    /** Whether rollups (counts per minute, level, fingerprint) can count this field. */
    boolean isFingerprint() {
        return name.equals(Field.FINGERPRINT.queryName());
    }

    /** Parses {@code fingerprint}, {@code source}, {@code user}, ..., {@code level}, {@code kind} or {@code attrs.<key>}. */
    public static GroupField parse(String name) {
        if (name == null || name.isBlank()) {
            return parse("fingerprint");
        }
        String field = name.trim();
        if (field.startsWith("attrs.") && field.length() > "attrs.".length()) {
            String key = field.substring("attrs.".length());
            return new GroupField(field, PartColumns.ATTRS + "[?]", List.of(key), e -> e.attrs().get(key),
                    v -> new Query.AttrEquals(key, v));
        }
        return switch (field) {
            case "level" -> new GroupField(field, "CASE " + PartColumns.LEVEL
                    + " WHEN 0 THEN 'trace' WHEN 1 THEN 'debug' WHEN 2 THEN 'info' WHEN 3 THEN 'warn' WHEN 4 THEN 'error' ELSE 'fatal' END",
                    List.of(), e -> e.level().wireName(),
                    v -> new Query.LevelIn(java.util.Set.of(io.larch.model.Level.parse(v).orElseThrow())));
            case "kind" -> new GroupField(field, PartColumns.KIND, List.of(), e -> e.kind().wireName(),
                    v -> new Query.KindIn(java.util.Set.of(io.larch.model.Kind.parse(v).orElseThrow())));
            default -> Field.byQueryName(field)
                    .filter(f -> f != Field.LEVEL && f != Field.KIND)
                    .map(f -> new GroupField(field, f.column(), List.of(), f::text, v -> new Query.FieldEquals(f, v)))
                    .orElseThrow(() -> new InvalidInputException("field: cannot group by '" + field
                            + "'; use fingerprint, source, user, conversation, build, deployment, trace, status, level, kind or attrs.<key>"));
        };
    }
}
