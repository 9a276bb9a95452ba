package io.larch.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.part.PartSchema;
import io.larch.part.PartWriter;
import io.larch.search.PartSql;
import io.larch.testing.LocalStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two executors of the query model must agree: random events are sealed into real Parquet
 * parts, then random queries run through {@link SqlCompiler} on DuckDB and through
 * {@link EventMatcher} in Java, and must select exactly the same events.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DifferentialTest {
    private static final String[] WORDS = {"timeout", "Timeout", "TIMEOUTS", "order", "orders", "failed", "card",
            "declined", "user_id", "payment", "retry", "Grüße", "köln", "日本", "db-1", "42", "4242", "x"};
    private static final String[] SEPARATORS = {" ", "  ", ", ", ": ", "/", ".", "-", "=", "\t", "!"};
    private static final String[] SOURCES = {"api", "api-gateway", "worker", "checkout"};
    private static final String[] ATTR_VALUES = {"eu", "us", "500", "42.5", "-3", "1e3", " 7", "abc", "", "0"};

    private Path tmp;
    private final Random random = new Random(20261122);
    private final List<LogEvent> events = new ArrayList<>();
    private final List<Path> partPaths = new ArrayList<>();
    private LocalStore local;
    private DuckDbEngine engine;

    @BeforeAll
    void sealRandomEvents(@TempDir Path dir) throws Exception {
        tmp = dir;
        local = new LocalStore(tmp);
        engine = local.duckDb;
        PartFiles partFiles = local.partFiles;
        PartWriter writer = local.writer;
        long segment = 1;
        for (Kind kind : List.of(Kind.APP, Kind.WORK, Kind.BUILD)) {
            List<LogEvent> batch = new ArrayList<>();
            for (int i = 0; i < 700; i++) {
                batch.add(randomEvent(events.size() + batch.size(), kind));
            }
            events.addAll(batch);
            for (PartRecord part : writer.writeSealed(batch, segment++, kind)) {
                partPaths.add(partFiles.path(part));
            }
        }
    }

    @AfterAll
    void close() {
        local.close();
    }

    private LogEvent randomEvent(int n, Kind kind) {
        Map<String, String> attrs = new LinkedHashMap<>();
        for (String key : List.of("region", "duration", "http.status")) {
            if (random.nextInt(3) > 0) {
                attrs.put(key, pick(ATTR_VALUES));
            }
        }
        return new LogEvent(1_000_000L + n, 1_795_000_000_000L + random.nextInt(50) * 1000L, 1_795_000_000_000L,
                1 + random.nextInt(2), kind, Level.ofSeverity(random.nextInt(6)), text(1 + random.nextInt(6)),
                random.nextInt(4) == 0 ? null : pick(SOURCES), random.nextInt(3) == 0 ? text(3) : null,
                "fp" + random.nextInt(5), maybe("u" + random.nextInt(4)), maybe("c" + random.nextInt(3)),
                maybe("b1"), maybe("d1"), maybe("t" + random.nextInt(3)), maybe(random.nextBoolean() ? "running" : "done"),
                attrs);
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
            text.append(pick(WORDS));
        }
        return text.toString();
    }

    private String maybe(String value) {
        return random.nextBoolean() ? value : null;
    }

    private <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }

    private Query randomQuery(int depth) {
        int choice = random.nextInt(depth > 2 ? 17 : 20);
        return switch (choice) {
            case 0 -> new Query.Word(token());
            case 1 -> {
                String token = token();
                yield new Query.Prefix(token.substring(0, Math.min(token.length(), 1 + random.nextInt(3))));
            }
            case 2 -> new Query.Phrase(List.of(token(), token()));
            case 3 -> new Query.FieldEquals(Field.SOURCE, pick(SOURCES));
            case 4 -> new Query.FieldEquals(pick(new Field[] {Field.USER, Field.CONVERSATION, Field.TRACE, Field.STATUS,
                    Field.FINGERPRINT, Field.BUILD, Field.DEPLOYMENT}), pick(new String[] {"u1", "c2", "t0", "running", "fp3", "b1", "d1"}));
            case 5 -> new Query.FieldPrefix(Field.SOURCE, pick(new String[] {"api", "w", "", "checkout"}));
            case 6 -> new Query.LevelIn(EnumSet.of(Level.ofSeverity(random.nextInt(6)), Level.ofSeverity(random.nextInt(6))));
            case 7 -> new Query.LevelCompare(pick(Query.Comparison.values()), Level.ofSeverity(random.nextInt(6)));
            case 8 -> new Query.KindIn(Set.of(pick(new Kind[] {Kind.APP, Kind.WORK, Kind.BUILD, Kind.DEPLOY})));
            case 9 -> new Query.AttrEquals(pick(new String[] {"region", "duration", "http.status"}), pick(ATTR_VALUES));
            case 10 -> new Query.AttrExists(pick(new String[] {"region", "http.status", "missing"}));
            case 11 -> new Query.AttrCompare(pick(new String[] {"duration", "http.status", "region"}),
                    pick(Query.Comparison.values()), pick(new Double[] {0.0, 7.0, 42.5, 500.0, -3.0, 1000.0}));
            case 12 -> new Query.ProjectIs(1 + random.nextInt(2));
            case 13 -> {
                long from = 1_795_000_000_000L + random.nextInt(50) * 1000L;
                yield new Query.TimeWithin(from, from + random.nextInt(20) * 1000L);
            }
            case 14 -> new Query.OlderThan(1_795_000_000_000L + random.nextInt(50) * 1000L, 1_000_000L + random.nextInt(2100));
            case 15 -> new Query.All();
            case 16 -> new Query.Word(pick(new String[] {"grüße", "köln", "日本", "user_id", "42"}));
            case 17 -> new Query.Not(randomQuery(depth + 1));
            case 18 -> new Query.And(List.of(randomQuery(depth + 1), randomQuery(depth + 1)));
            default -> new Query.Or(List.of(randomQuery(depth + 1), randomQuery(depth + 1), randomQuery(depth + 1)));
        };
    }

    private String token() {
        List<String> tokens = io.larch.model.Tokenizer.tokens(pick(WORDS));
        return tokens.get(random.nextInt(tokens.size()));
    }

    private Set<Long> viaJava(Query query) {
        Predicate<LogEvent> matcher = EventMatcher.compile(query);
        Set<Long> ids = new TreeSet<>();
        for (LogEvent event : events) {
            if (matcher.test(event)) {
                ids.add(event.id());
            }
        }
        return ids;
    }

    private Set<Long> viaSql(Query query) throws Exception {
        CompiledSql where = SqlCompiler.compile(query);
        StringBuilder files = new StringBuilder();
        for (Path path : partPaths) {
            files.append(files.isEmpty() ? "" : ", ").append(DuckDbEngine.quotePath(path));
        }
        String sql = "SELECT id FROM read_parquet([" + files + "]) WHERE " + where.expression();
        Set<Long> ids = new TreeSet<>();
        try (Connection connection = engine.connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            PartSql.bind(statement, where.parameters());
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
        }
        return ids;
    }

    @Test
    void storedEventsReadBackUnchanged() throws Exception {
        Map<Long, LogEvent> byId = new LinkedHashMap<>();
        try (Connection connection = engine.connect(); PreparedStatement statement = connection.prepareStatement(
                "SELECT " + PartSchema.ALL_COLUMNS + " FROM read_parquet([" + String.join(", ",
                        partPaths.stream().map(DuckDbEngine::quotePath).toList()) + "])");
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                LogEvent event = io.larch.part.PartRows.read(rows);
                byId.put(event.id(), event);
            }
        }
        assertEquals(events.size(), byId.size());
        for (LogEvent event : events) {
            assertEquals(event, byId.get(event.id()));
        }
    }

    @Test
    void bothExecutorsSelectTheSameEvents() throws Exception {
        int nonTrivial = 0;
        for (int i = 0; i < 600; i++) {
            Query query = randomQuery(0);
            Set<Long> java = viaJava(query);
            assertEquals(java, viaSql(query), () -> "executors disagree on " + query);
            if (!java.isEmpty() && java.size() < events.size()) {
                nonTrivial++;
            }
        }
        assertTrue(nonTrivial > 300, "too few queries selected a proper subset: " + nonTrivial);
    }

    @Test
    void parsedQueriesAgreeToo() throws Exception {
        for (String text : List.of("timeout", "timeout*", "\"order failed\"", "TIMEOUTS -card", "level>=warn payment",
                "source:api*", "attrs.duration>=42.5", "attrs.region:eu OR attrs.region:us", "user:* -conversation:c1",
                "(retry OR declined) kind:work", "grüße", "日本", "user_id", "db-1", "attrs.http.status:*",
                "NOT (a OR x)", "status:running level:error", "fingerprint:fp2 -x")) {
            Query query = QueryParser.parse(text);
            assertEquals(viaJava(query), viaSql(query), () -> "executors disagree on '" + text + "'");
        }
    }
}
