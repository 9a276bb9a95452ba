package io.larch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.aggregate.GroupField;
import io.larch.query.Query;
import io.larch.query.QueryParser;
import io.larch.testing.BigPart;
import io.larch.testing.LocalStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Queries stop when their budget runs out or they are cancelled, mid-statement. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryBudgetTest {
    private LocalStore local;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    /** A prefix cannot use blooms, so this reads every row of the big part: seconds of work. */
    private final Query slow = Query.and(List.of(new Query.ProjectIs(1), QueryParser.parse("zz* OR attrs.n>1000")));

    @BeforeAll
    void createBigPart(@TempDir Path dir) throws Exception {
        BigPart.create(dir, 1, 8_000_000);
        local = new LocalStore(dir);
    }

    @AfterAll
    void close() {
        local.close();
        timer.shutdownNow();
    }

    @Test
    void aQueryOverItsBudgetStopsWithAClearError() {
        try (QueryBudget budget = QueryBudget.start(Duration.ofMillis(100), timer)) {
            QueryTimeoutException e = assertThrows(QueryTimeoutException.class,
                    () -> local.aggregator.stats(slow, budget));
            assertEquals("the query ran longer than its 0.1 s budget; narrow the time range or add words to the query "
                    + "(LARCH_QUERY_TIMEOUT sets the budget)", e.getMessage());
        }
        try (QueryBudget budget = QueryBudget.start(Duration.ofMillis(100), timer)) {
            assertThrows(QueryTimeoutException.class, () -> local.searcher.search(new SearchRequest(slow, null, 100), budget));
        }
    }

    @Test
    void cancellingStopsTheRunningStatement() throws Exception {
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        try (QueryBudget budget = QueryBudget.start(Duration.ofHours(1), timer)) {
            Thread query = Thread.ofPlatform().start(() -> {
                try {
                    local.aggregator.top(slow, GroupField.parse("user"), 10, budget);
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            Thread.sleep(150);
            budget.cancel();
            query.join(Duration.ofSeconds(30));
            assertTrue(!query.isAlive(), "the query ended");
        }
        assertInstanceOf(QueryCancelledException.class, outcome.get());
    }

    @Test
    void aQueryWithinItsBudgetAnswers() {
        try (QueryBudget budget = QueryBudget.start(Duration.ofMinutes(1), timer)) {
            assertEquals(8_000_000, local.aggregator.stats(new Query.ProjectIs(1), budget).total());
        }
    }
}
