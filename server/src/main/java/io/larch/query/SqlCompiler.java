package io.larch.query;

import static io.larch.part.PartColumns.ATTRS;
import static io.larch.part.PartColumns.ID;
import static io.larch.part.PartColumns.KIND;
import static io.larch.part.PartColumns.LEVEL;
import static io.larch.part.PartColumns.MESSAGE;
import static io.larch.part.PartColumns.PROJECT_ID;
import static io.larch.part.PartColumns.SOURCE;
import static io.larch.part.PartColumns.STACK;
import static io.larch.part.PartColumns.TS;

import io.larch.model.Kind;
import io.larch.model.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Compiles a {@link Query} to a DuckDB boolean expression over part columns. User text only ever
 * travels as bound parameters. Every leaf yields true or false, never NULL, so {@code NOT} means
 * the same as in {@link EventMatcher}. Leaves are written as plain AND chains
 * ({@code col IS NOT NULL AND ...}) or {@code IS [NOT] DISTINCT FROM}, not wrapped in
 * {@code coalesce}: DuckDB short-circuits a filter's AND chain row by row, but evaluates every
 * argument of a function for every row.
 *
 * <p>Text terms first test {@code contains(lower(col), token)}, which is cheap and filters most
 * rows, then confirm token boundaries with a regular expression on the same lowercased text.
 */
public final class SqlCompiler {
    private static final String SEPARATOR = "[^" + Tokenizer.TOKEN_CHAR_CLASS + "]";
    private static final String[] TEXT_COLUMNS = {MESSAGE, SOURCE, STACK};

    private final StringBuilder sql = new StringBuilder();
    private final List<Object> parameters = new ArrayList<>();

    private SqlCompiler() {
    }

    public static CompiledSql compile(Query query) {
        SqlCompiler compiler = new SqlCompiler();
        compiler.emit(query);
        return new CompiledSql(compiler.sql.toString(), List.copyOf(compiler.parameters));
    }

    private void emit(Query query) {
        switch (query) {
            case Query.All all -> sql.append("TRUE");
            case Query.And and -> joined(and.clauses(), " AND ");
            case Query.Or or -> joined(or.clauses(), " OR ");
            case Query.Not not -> {
                sql.append("(NOT ");
                emit(not.clause());
                sql.append(')');
            }
            case Query.Word word -> text(List.of(word.token()), wordPattern(List.of(word.token()), false));
            case Query.Prefix prefix -> text(List.of(prefix.prefix()), wordPattern(List.of(prefix.prefix()), true));
            case Query.Phrase phrase -> text(phrase.tokens(), wordPattern(phrase.tokens(), false));
            case Query.FieldEquals equals -> {
                sql.append('(').append(equals.field().column()).append(" IS NOT DISTINCT FROM ?)");
                parameters.add(equals.value());
            }
            case Query.FieldPrefix prefix -> {
                String column = prefix.field().column();
                sql.append('(').append(column).append(" IS NOT NULL AND starts_with(").append(column).append(", ?))");
                parameters.add(prefix.prefix());
            }
            case Query.LevelIn levels -> sql.append(LEVEL).append(" IN (").append(levels.levels().stream()
                    .map(level -> Integer.toString(level.severity())).sorted().collect(Collectors.joining(", "))).append(')');
            case Query.LevelCompare compare -> sql.append(LEVEL).append(' ').append(compare.comparison().symbol())
                    .append(' ').append(compare.level().severity());
            case Query.KindIn kinds -> {
                sql.append(KIND).append(" IN (");
                boolean first = true;
                for (Kind kind : kinds.kinds()) {
                    sql.append(first ? "?" : ", ?");
                    parameters.add(kind.wireName());
                    first = false;
                }
                sql.append(')');
            }
            case Query.AttrEquals equals -> {
                sql.append('(').append(ATTRS).append("[?] IS NOT DISTINCT FROM ?)");
                parameters.add(equals.key());
                parameters.add(equals.value());
            }
            case Query.AttrExists exists -> {
                sql.append("(").append(ATTRS).append("[?] IS NOT NULL)");
                parameters.add(exists.key());
            }
            case Query.AttrCompare compare -> {
                // Only what Numbers accepts is cast: DuckDB's cast also reads inf, nan and 1_000.
                String value = ATTRS + "[?]";
                String number = "TRY_CAST(trim(" + value + ") AS DOUBLE)";
                sql.append("((regexp_full_match(").append(value).append(", ?) AND isfinite(").append(number)
                        .append(") AND ").append(number).append(' ').append(compare.comparison().symbol())
                        .append(" ?) IS TRUE)");
                parameters.addAll(List.of(compare.key(), Numbers.PATTERN, compare.key(), compare.key(),
                        compare.number()));
            }
            case Query.ProjectIs project -> {
                sql.append(PROJECT_ID).append(" = ?");
                parameters.add(project.projectId());
            }
            case Query.TimeWithin within -> {
                sql.append('(').append(TS).append(" >= ? AND ").append(TS).append(" < ?)");
                parameters.add(within.fromMillis());
                parameters.add(within.toMillis());
            }
            case Query.OlderThan older -> {
                sql.append("(").append(TS).append(" < ? OR (").append(TS).append(" = ? AND ").append(ID).append(" < ?))");
                parameters.add(older.ts());
                parameters.add(older.ts());
                parameters.add(older.id());
            }
            case Query.IdAbove above -> {
                sql.append('(').append(ID).append(" > ?)");
                parameters.add(above.id());
            }
        }
    }

    private void joined(List<Query> clauses, String operator) {
        sql.append('(');
        for (int i = 0; i < clauses.size(); i++) {
            if (i > 0) {
                sql.append(operator);
            }
            emit(clauses.get(i));
        }
        sql.append(')');
    }

    /** Any of the text columns contains every token and matches the boundary pattern. */
    private void text(List<String> tokens, String pattern) {
        sql.append('(');
        for (int c = 0; c < TEXT_COLUMNS.length; c++) {
            String lowered = "lower(" + TEXT_COLUMNS[c] + ")";
            sql.append(c == 0 ? "(" : " OR (").append(TEXT_COLUMNS[c]).append(" IS NOT NULL");
            for (String token : tokens) {
                sql.append(" AND contains(").append(lowered).append(", ?)");
                parameters.add(token);
            }
            sql.append(" AND regexp_matches(").append(lowered).append(", ?))");
            parameters.add(pattern);
        }
        sql.append(')');
    }

    /** RE2 pattern for consecutive tokens on token boundaries; tokens hold only token characters. */
    static String wordPattern(List<String> tokens, boolean lastIsPrefix) {
        StringBuilder pattern = new StringBuilder("(?:^|").append(SEPARATOR).append(')');
        for (int i = 0; i < tokens.size(); i++) {
            if (i > 0) {
                pattern.append(SEPARATOR).append('+');
            }
            pattern.append(quote(tokens.get(i)));
        }
        if (!lastIsPrefix) {
            pattern.append("(?:$|").append(SEPARATOR).append(')');
        }
        return pattern.toString();
    }

    /** Tokens are letters, digits, '_' and non-ASCII: only non-ASCII needs care, and RE2 takes it literally. */
    private static String quote(String token) {
        StringBuilder quoted = new StringBuilder(token.length());
        token.codePoints().forEach(cp -> {
            if (cp < 0x80) {
                quoted.appendCodePoint(cp);
            } else {
                quoted.append("\\x{").append(Integer.toHexString(cp)).append('}');
            }
        });
        return quoted.toString();
    }
}
