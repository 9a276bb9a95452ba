package io.larch.query;

import io.larch.model.Kind;
import io.larch.model.Level;
import java.util.List;
import java.util.Set;

/**
 * A parsed query: what an event must satisfy. Compiled by {@link SqlCompiler} for parts and by
 * {@link EventMatcher} for the head and the live tail; both must agree on every node.
 * Text tokens are lowercase (see {@link io.larch.model.Tokenizer}).
 */
public sealed interface Query {

    /** Every event. */
    record All() implements Query {
    }

    record And(List<Query> clauses) implements Query {
    }

    record Or(List<Query> clauses) implements Query {
    }

    record Not(Query clause) implements Query {
    }

    /** A whole token in message, source or stack. */
    record Word(String token) implements Query {
    }

    /** A token starting with {@code prefix} in message, source or stack. */
    record Prefix(String prefix) implements Query {
    }

    /** Consecutive tokens, in order, within message, source or stack. */
    record Phrase(List<String> tokens) implements Query {
    }

    /** {@code field:value}: the field equals the value exactly. */
    record FieldEquals(Field field, String value) implements Query {
    }

    /** {@code field:value*}: the field starts with the value. */
    record FieldPrefix(Field field, String prefix) implements Query {
    }

    record LevelIn(Set<Level> levels) implements Query {
    }

    record LevelCompare(Comparison comparison, Level level) implements Query {
    }

    record KindIn(Set<Kind> kinds) implements Query {
    }

    /** {@code attrs.key:value}: the attribute equals the value exactly. */
    record AttrEquals(String key, String value) implements Query {
    }

    /** {@code attrs.key:*}: the attribute is present. */
    record AttrExists(String key) implements Query {
    }

    /** {@code attrs.key>number}: the attribute is a number and compares so. */
    record AttrCompare(String key, Comparison comparison, double number) implements Query {
    }

    record ProjectIs(long projectId) implements Query {
    }

    /** Event time within {@code [fromMillis, toMillis)}. */
    record TimeWithin(long fromMillis, long toMillis) implements Query {
    }

    /** Strictly older than the position (ts, id) in newest-first order: what a cursor continues with. */
    record OlderThan(long ts, long id) implements Query {
    }

    /** Event id above {@code id}: what was stored after that event (ids grow as events arrive). */
    record IdAbove(long id) implements Query {
    }

    /** Comparison operators. */
    enum Comparison {
        GT(">"), GE(">="), LT("<"), LE("<=");

        private final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        public boolean test(double left, double right) {
            return switch (this) {
                case GT -> left > right;
                case GE -> left >= right;
                case LT -> left < right;
                case LE -> left <= right;
            };
        }
    }

    /**
     * All of {@code clauses}: nested ANDs are flattened (the planner reads only the top level)
     * and {@link All} is dropped; {@link All} when nothing is left.
     */
    static Query and(List<Query> clauses) {
        List<Query> kept = new java.util.ArrayList<>();
        for (Query clause : clauses) {
            if (clause instanceof And and) {
                kept.addAll(and.clauses());
            } else if (!(clause instanceof All)) {
                kept.add(clause);
            }
        }
        return kept.isEmpty() ? new All() : kept.size() == 1 ? kept.getFirst() : new And(List.copyOf(kept));
    }
}
