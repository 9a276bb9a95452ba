package io.larch.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.part.PartSchema;
import io.larch.part.PartWriter;
import io.larch.search.PartSql;
import io.larch.testing.LocalStore;
import io.larch.testing.RandomCorpus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two executors of the query model must agree: random events ({@link RandomCorpus}: Unicode
 * case, separators, numbers at the edges) are sealed into real Parquet parts, then random queries
 * run through {@link SqlCompiler} on DuckDB and through {@link EventMatcher} in Java, and must
 * select exactly the same events. {@code SearchPathDifferentialTest} does the same through the
 * whole search path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DifferentialTest {
    private Path tmp;
    private final RandomCorpus corpus = new RandomCorpus(20261122);
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
                batch.add(corpus.event(events.size() + batch.size(), kind));
            }
            events.addAll(batch);
            for (PartRecord part : writer.writeSealed(batch, segment++)) {
                partPaths.add(partFiles.path(part));
            }
        }
    }

    @AfterAll
    void close() {
        local.close();
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
            Query query = corpus.query(0);
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
        for (String text : RandomCorpus.typedQueries()) {
            Query query = QueryParser.parse(text);
            assertEquals(viaJava(query), viaSql(query), () -> "executors disagree on '" + text + "'");
        }
    }
}
