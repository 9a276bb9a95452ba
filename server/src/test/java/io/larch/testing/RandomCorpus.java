package io.larch.testing;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.model.Tokenizer;
import io.larch.query.Field;
import io.larch.query.Query;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Random events and queries over a small vocabulary chosen to catch disagreements between the
 * ways of answering a query: case and Unicode (Greek final sigma, Turkish dotted and dotless i,
 * German ß, combining marks, emoji, full-width digits), token separators, and attribute values at
 * the edges of what a number is. Deterministic for a seed.
 */
public final class RandomCorpus {
    public static final long FIRST_ID = 1_000_000L;
    public static final long FIRST_TS = 1_795_000_000_000L;
    public static final int SECONDS = 50;

    private static final String[] WORDS = {"timeout", "Timeout", "TIMEOUTS", "order", "orders", "failed", "card",
            "declined", "user_id", "payment", "retry", "Grüße", "köln", "日本", "db-1", "42", "4242", "x",
            "ΟΔΟΣ", "οδος", "Οδός", "κλειστός", "İstanbul", "istanbul", "ISTANBUL", "ıstanbul", "Straße", "STRASSE",
            "ẞ", "e\u0301t\u00e9", "caf\u00e9", "cafe\u0301", "😀", "ok🙂", "１２３", "ＡＢＣ", "\u212Aelvin", "kelvin"};
    /** Words in about one event in 2,000: the blooms rule out most row groups, so point reads answer them. */
    private static final String[] RARE_WORDS = {"quokka", "axolotl"};
    private static final String[] SEPARATORS = {" ", "  ", ", ", ": ", "/", ".", "-", "=", "\t", "!"};
    private static final String[] SOURCES = {"api", "api-gateway", "worker", "checkout"};
    private static final String[] ATTR_VALUES = {"eu", "us", "500", "42.5", "-3", "1e3", " 7", "abc", "", "0",
            "inf", "-inf", "nan", "NaN", "Infinity", "1_000", "1e400", "-1e400", "+5", ".5", "5.", "0x1f", "7 ",
            "\t7", "１２", "-0", "5d", "1e-400"};
    private static final String[] ATTR_KEYS = {"region", "duration", "http.status"};
    private static final Double[] NUMBERS = {0.0, 7.0, 42.5, 500.0, -3.0, 1000.0, 5.0, 0.5, 12.0};

    private final Random random;

    public RandomCorpus(long seed) {
        this.random = new Random(seed);
    }

    /** The {@code n}-th event: ids count up from {@link #FIRST_ID}, times fall in {@link #SECONDS} seconds. */
    public LogEvent event(int n, Kind kind) {
        Map<String, String> attrs = new LinkedHashMap<>();
        for (String key : ATTR_KEYS) {
            if (random.nextInt(3) > 0) {
                attrs.put(key, pick(ATTR_VALUES));
            }
        }
        return new LogEvent(FIRST_ID + n, FIRST_TS + random.nextInt(SECONDS) * 1000L, FIRST_TS,
                1 + random.nextInt(2), kind, Level.ofSeverity(random.nextInt(6)), text(1 + random.nextInt(6)),
                random.nextInt(4) == 0 ? null : pick(SOURCES), random.nextInt(3) == 0 ? text(3) : null,
                "fp" + random.nextInt(5), maybe("u" + random.nextInt(4)), maybe("c" + random.nextInt(3)),
                maybe("b1"), maybe("d1"), maybe("t" + random.nextInt(3)), maybe(random.nextBoolean() ? "running" : "done"),
                attrs);
    }

    /** A random query tree; {@code depth} 0 at the root. */
    public Query query(int depth) {
        int choice = random.nextInt(depth > 2 ? 17 : 20);
        return switch (choice) {
            case 0 -> new Query.Word(token());
            case 1 -> {
                String token = token();
                int end = token.offsetByCodePoints(0, Math.min(token.codePointCount(0, token.length()),
                        1 + random.nextInt(3)));
                yield new Query.Prefix(token.substring(0, end));
            }
            case 2 -> new Query.Phrase(List.of(token(), token()));
            case 3 -> new Query.FieldEquals(Field.SOURCE, pick(SOURCES));
            case 4 -> new Query.FieldEquals(pick(new Field[] {Field.USER, Field.CONVERSATION, Field.TRACE, Field.STATUS,
                    Field.FINGERPRINT, Field.BUILD, Field.DEPLOYMENT}), pick(new String[] {"u1", "c2", "t0", "running", "fp3", "b1", "d1"}));
            case 5 -> new Query.FieldPrefix(Field.SOURCE, pick(new String[] {"api", "w", "", "checkout"}));
            case 6 -> new Query.LevelIn(EnumSet.of(Level.ofSeverity(random.nextInt(6)), Level.ofSeverity(random.nextInt(6))));
            case 7 -> new Query.LevelCompare(pick(Query.Comparison.values()), Level.ofSeverity(random.nextInt(6)));
            case 8 -> new Query.KindIn(Set.of(pick(new Kind[] {Kind.APP, Kind.WORK, Kind.BUILD, Kind.DEPLOY})));
            case 9 -> new Query.AttrEquals(pick(ATTR_KEYS), pick(ATTR_VALUES));
            case 10 -> new Query.AttrExists(pick(new String[] {"region", "http.status", "missing"}));
            case 11 -> new Query.AttrCompare(pick(ATTR_KEYS), pick(Query.Comparison.values()), pick(NUMBERS));
            case 12 -> new Query.ProjectIs(1 + random.nextInt(2));
            case 13 -> {
                long from = FIRST_TS + random.nextInt(SECONDS) * 1000L;
                yield new Query.TimeWithin(from, from + random.nextInt(20) * 1000L);
            }
            case 14 -> random.nextInt(3) == 0 ? new Query.IdAbove(FIRST_ID + random.nextInt(20_000))
                    : new Query.OlderThan(FIRST_TS + random.nextInt(SECONDS) * 1000L, FIRST_ID + random.nextInt(2100));
            case 15 -> new Query.All();
            case 16 -> new Query.Word(pick(new String[] {"grüße", "köln", "日本", "user_id", "42", "οδοσ", "istanbul",
                    "straße", "１２３", "quokka", "axolotl", "quokka"}));
            case 17 -> new Query.Not(query(depth + 1));
            case 18 -> new Query.And(List.of(query(depth + 1), query(depth + 1)));
            default -> new Query.Or(List.of(query(depth + 1), query(depth + 1), query(depth + 1)));
        };
    }

    /** Query texts a user would type, in the vocabulary's spellings (the parser folds them). */
    public static List<String> typedQueries() {
        return List.of("timeout", "timeout*", "\"order failed\"", "TIMEOUTS -card", "level>=warn payment",
                "source:api*", "attrs.duration>=42.5", "attrs.region:eu OR attrs.region:us", "user:* -conversation:c1",
                "(retry OR declined) kind:work", "grüße", "日本", "user_id", "db-1", "attrs.http.status:*",
                "NOT (a OR x)", "status:running level:error", "fingerprint:fp2 -x", "ΟΔΟΣ", "οδος", "κλειστός",
                "İstanbul", "ISTANBUL", "ıstanbul", "STRASSE", "Straße", "ẞ", "café", "cafe\u0301", "😀", "ok🙂",
                "１２３", "ＡＢＣ", "\u212Aelvin", "kelvin", "attrs.duration>0", "attrs.duration<=0", "attrs.region>=5",
                "attrs.duration<1000", "attrs.http.status>-1", "attrs.region<1", "quokka", "axolotl", "quokka OR axolotl",
                "quokka level>=warn");
    }

    private String text(int words) {
        StringBuilder text = new StringBuilder();
        if (random.nextInt(5) == 0) {
            text.append(pick(SEPARATORS));
        }
        for (int i = 0; i < words; i++) {
            if (i > 0) {
                text.append(pick(SEPARATORS));
            }
            text.append(random.nextInt(2000) == 0 ? pick(RARE_WORDS) : pick(WORDS));
        }
        return text.toString();
    }

    private String token() {
        List<String> tokens = Tokenizer.tokens(pick(WORDS));
        return tokens.get(random.nextInt(tokens.size()));
    }

    private String maybe(String value) {
        return random.nextBoolean() ? value : null;
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    private <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }

    /** {@code count} events of random kinds among app, work and build. */
    public List<LogEvent> events(int count) {
        List<LogEvent> events = new ArrayList<>(count);
        Kind[] kinds = {Kind.APP, Kind.WORK, Kind.BUILD};
        for (int i = 0; i < count; i++) {
            events.add(event(i, kinds[i % kinds.length]));
        }
        return events;
    }
}
