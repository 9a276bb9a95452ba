package io.larch.query;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses query text into a {@link Query}.
 *
 * <pre>
 * query   := or
 * or      := and ( "OR" and )*
 * and     := unary ( ["AND"] unary )*          adjacent terms are ANDed
 * unary   := ("-" | "NOT") unary | "(" or ")" | term
 * term    := word | prefix* | "a phrase" | field:value | field:"quoted value" | field:value*
 *          | level>=warn | attrs.key:value | attrs.key>number | attrs.key:*
 * </pre>
 *
 * Operators are uppercase ({@code or} is a word). Errors carry the 1-based position.
 */
public final class QueryParser {
    public static final int MAX_LENGTH = 4096;
    private static final int MAX_DEPTH = 32;
    private static final int MAX_TERMS = 128;

    private final List<Token> tokens;
    private int next;
    private int depth;

    private QueryParser(List<Token> tokens) {
        this.tokens = tokens;
    }

    /** Parses {@code text}; blank text is {@link Query.All}. */
    public static Query parse(String text) {
        if (text == null || text.isBlank()) {
            return new Query.All();
        }
        if (text.length() > MAX_LENGTH) {
            throw new QueryException("query is longer than " + MAX_LENGTH + " characters", MAX_LENGTH + 1);
        }
        List<Token> tokens = new Lexer(text).lex();
        List<Token> terms = tokens.stream().filter(t -> t.type == Type.TERM).toList();
        if (terms.size() > MAX_TERMS) {
            throw new QueryException("query has more than " + MAX_TERMS + " terms", terms.get(MAX_TERMS).position);
        }
        QueryParser parser = new QueryParser(tokens);
        Query query = parser.parseOr();
        Token trailing = parser.peek();
        if (trailing.type != Type.END) {
            throw new QueryException("unexpected " + parser.describe(trailing), trailing.position);
        }
        return query;
    }

    private Query parseOr() {
        List<Query> clauses = new ArrayList<>();
        clauses.add(parseAnd());
        while (peek().type == Type.OR) {
            Token or = take();
            requireOperand(or);
            clauses.add(parseAnd());
        }
        return clauses.size() == 1 ? clauses.getFirst() : new Query.Or(List.copyOf(clauses));
    }

    private Query parseAnd() {
        List<Query> clauses = new ArrayList<>();
        clauses.add(parseUnary());
        while (true) {
            Token token = peek();
            if (token.type == Type.AND) {
                take();
                requireOperand(token);
            } else if (!startsOperand(token)) {
                break;
            }
            clauses.add(parseUnary());
        }
        return clauses.size() == 1 ? clauses.getFirst() : new Query.And(List.copyOf(clauses));
    }

    private Query parseUnary() {
        Token token = peek();
        switch (token.type) {
            case NOT -> {
                take();
                requireOperand(token);
                return new Query.Not(nested(this::parseUnary, token));
            }
            case OPEN -> {
                take();
                if (peek().type == Type.CLOSE) {
                    throw new QueryException("empty parentheses", token.position);
                }
                Query inner = nested(this::parseOr, token);
                if (peek().type != Type.CLOSE) {
                    throw new QueryException("missing ')' for the '(' at position " + token.position,
                            peek().position);
                }
                take();
                return inner;
            }
            case TERM -> {
                take();
                return token.term;
            }
            case OR, AND -> throw new QueryException("'" + token.text + "' needs a term before it", token.position);
            case CLOSE -> throw new QueryException("unexpected ')'", token.position);
            default -> throw new QueryException("query ends where a term was expected", token.position);
        }
    }

    private Query nested(java.util.function.Supplier<Query> parse, Token opener) {
        if (++depth > MAX_DEPTH) {
            throw new QueryException("query is nested more than " + MAX_DEPTH + " levels deep", opener.position);
        }
        try {
            return parse.get();
        } finally {
            depth--;
        }
    }

    private void requireOperand(Token operator) {
        if (!startsOperand(peek())) {
            throw new QueryException("'" + operator.text + "' needs a term after it", operator.position);
        }
    }

    private static boolean startsOperand(Token token) {
        return token.type == Type.TERM || token.type == Type.OPEN || token.type == Type.NOT;
    }

    private Token peek() {
        return tokens.get(next);
    }

    private Token take() {
        return tokens.get(next++);
    }

    private String describe(Token token) {
        return token.type == Type.CLOSE ? "')'" : "'" + token.text + "'";
    }

    private enum Type { OPEN, CLOSE, OR, AND, NOT, TERM, END }

    private record Token(Type type, int position, String text, Query term) {
    }

    /** Splits text into tokens, turning each term into its {@link Query} node as it goes. */
    private static final class Lexer {
        private final String text;
        private final List<Token> tokens = new ArrayList<>();
        private int i;

        Lexer(String text) {
            this.text = text;
        }

        List<Token> lex() {
            while (true) {
                while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
                if (i >= text.length()) {
                    tokens.add(new Token(Type.END, text.length() + 1, "", null));
                    return tokens;
                }
                char c = text.charAt(i);
                int position = i + 1;
                if (c == '(') {
                    tokens.add(new Token(Type.OPEN, position, "(", null));
                    i++;
                } else if (c == ')') {
                    tokens.add(new Token(Type.CLOSE, position, ")", null));
                    i++;
                } else if (c == '-') {
                    i++;
                    if (i >= text.length() || Character.isWhitespace(text.charAt(i)) || text.charAt(i) == ')') {
                        throw new QueryException("'-' needs a term right after it (like -debug)", position);
                    }
                    tokens.add(new Token(Type.NOT, position, "-", null));
                } else if (c == '"') {
                    String phrase = readQuoted();
                    tokens.add(new Token(Type.TERM, position, phrase, textTerm(phrase, false, position)));
                } else {
                    lexBare(position);
                }
            }
        }

        private void lexBare(int position) {
            int start = i;
            String quotedValue = null;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (Character.isWhitespace(c) || c == '(' || c == ')') {
                    break;
                }
                if (c == '"') {
                    char before = i > start ? text.charAt(i - 1) : ' ';
                    if (before != ':' && before != '>' && before != '<' && before != '=') {
                        throw new QueryException("unexpected '\"' inside a word; quote the whole phrase", i + 1);
                    }
                    int valueStart = i;
                    quotedValue = readQuoted();
                    if (i < text.length() && !Character.isWhitespace(text.charAt(i)) && text.charAt(i) != ')') {
                        throw new QueryException("expected a space after the quoted value", valueStart + 1);
                    }
                    break;
                }
                i++;
            }
            String word = text.substring(start, quotedValue == null ? i : text.indexOf('"', start));
            if (quotedValue == null && (word.equals("OR") || word.equals("AND") || word.equals("NOT"))) {
                Type type = word.equals("OR") ? Type.OR : word.equals("AND") ? Type.AND : Type.NOT;
                tokens.add(new Token(type, position, word, null));
                return;
            }
            tokens.add(new Token(Type.TERM, position, word, term(word, quotedValue, position)));
        }

        /** Reads a double-quoted string starting at {@code i}; {@code \"} and {@code \\} are escapes. */
        private String readQuoted() {
            int open = i;
            i++;
            StringBuilder value = new StringBuilder();
            while (i < text.length()) {
                char c = text.charAt(i++);
                if (c == '\\' && i < text.length()) {
                    value.append(text.charAt(i++));
                } else if (c == '"') {
                    return value.toString();
                } else {
                    value.append(c);
                }
            }
            throw new QueryException("unterminated quote", open + 1);
        }
    }

    /** Builds the node for a bare word, which may be {@code field<op>value}. */
    private static Query term(String word, String quotedValue, int position) {
        int opAt = -1;
        for (int k = 0; k < word.length(); k++) {
            char c = word.charAt(k);
            if (c == ':' || c == '>' || c == '<') {
                opAt = k;
                break;
            }
        }
        if (opAt <= 0) {
            if (quotedValue != null) {
                throw new QueryException("a quoted value needs a field before it, like user:\"a b\"", position);
            }
            return bareText(word, position);
        }
        String name = word.substring(0, opAt);
        String op;
        if (word.startsWith(">=", opAt) || word.startsWith("<=", opAt)) {
            op = word.substring(opAt, opAt + 2);
        } else {
            op = word.substring(opAt, opAt + 1);
        }
        String value = quotedValue != null ? quotedValue : word.substring(opAt + op.length());
        boolean isAttr = name.startsWith("attrs.");
        boolean looksLikeField = isAttr || name.matches("[A-Za-z_][A-Za-z0-9_]*");
        if (!looksLikeField || (quotedValue == null && value.isEmpty() && op.equals(":"))) {
            return bareText(word, position);
        }
        int valuePosition = position + opAt + op.length();
        if (quotedValue == null && value.isEmpty()) {
            throw new QueryException("missing value after '" + name + op + "'", valuePosition);
        }
        if (isAttr) {
            return attrTerm(name.substring("attrs.".length()), op, value, quotedValue != null, position, valuePosition);
        }
        Field field = Field.byQueryName(name).orElseThrow(() -> new QueryException("unknown field '" + name
                + "'; fields are " + Field.names() + " (to search the text itself, put it in quotes)", position));
        return fieldTerm(field, op, value, quotedValue != null, valuePosition);
    }

    private static Query fieldTerm(Field field, String op, String value, boolean quoted, int valuePosition) {
        if (field == Field.LEVEL) {
            Level level = Level.parse(value).orElseThrow(() -> new QueryException(
                    "unknown level '" + value + "'; use one of " + Level.names(), valuePosition));
            return op.equals(":") ? new Query.LevelIn(Set.of(level)) : new Query.LevelCompare(comparison(op), level);
        }
        if (!op.equals(":")) {
            throw new QueryException("only level and attrs.<key> can be compared with " + op
                    + "; use " + field.queryName() + ":value", valuePosition - op.length());
        }
        if (field == Field.KIND) {
            Kind kind = Kind.parse(value).orElseThrow(() -> new QueryException(
                    "unknown kind '" + value + "'; use one of " + Kind.names(), valuePosition));
            return new Query.KindIn(Set.of(kind));
        }
        if (!quoted && value.endsWith("*")) {
            return new Query.FieldPrefix(field, value.substring(0, value.length() - 1));
        }
        return new Query.FieldEquals(field, value);
    }

    private static Query attrTerm(String key, String op, String value, boolean quoted, int position,
                                  int valuePosition) {
        if (key.isEmpty()) {
            throw new QueryException("missing attribute name after 'attrs.'", position + "attrs.".length());
        }
        if (op.equals(":")) {
            if (!quoted && value.equals("*")) {
                return new Query.AttrExists(key);
            }
            return new Query.AttrEquals(key, value);
        }
        Double number = Numbers.parse(value);
        if (number == null) {
            throw new QueryException("attrs." + key + op + " needs a finite decimal number like 42 or -0.5e3, got '"
                    + value + "'", valuePosition);
        }
        return new Query.AttrCompare(key, comparison(op), number);
    }

    private static Query.Comparison comparison(String op) {
        return switch (op) {
            case ">" -> Query.Comparison.GT;
            case ">=" -> Query.Comparison.GE;
            case "<" -> Query.Comparison.LT;
            default -> Query.Comparison.LE;
        };
    }

    private static Query bareText(String word, int position) {
        if (word.equals("*")) {
            return new Query.All();
        }
        return textTerm(word, true, position);
    }

    /** A word or quoted phrase: one token is a word, several are a phrase; a bare trailing '*' makes a prefix. */
    private static Query textTerm(String raw, boolean bare, int position) {
        boolean prefix = bare && raw.endsWith("*");
        List<String> tokens = Tokenizer.tokens(prefix ? raw.substring(0, raw.length() - 1) : raw);
        if (tokens.isEmpty()) {
            throw new QueryException("'" + raw + "' has nothing to search for (no letters or digits)", position);
        }
        if (prefix) {
            if (tokens.size() > 1) {
                throw new QueryException("a prefix search (*) works on one word, not '" + raw + "'", position);
            }
            return new Query.Prefix(tokens.getFirst());
        }
        return tokens.size() == 1 ? new Query.Word(tokens.getFirst()) : new Query.Phrase(List.copyOf(tokens));
    }
}
