package io.larch.search;

import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The limits of one running query: a deadline, and cancellation (the client went away). When
 * either hits, the DuckDB statements the query is running are cancelled and the query's next
 * {@link #check} throws. Thread-safe; close it when the query ends.
 */
public final class QueryBudget implements AutoCloseable {
    private static final QueryBudget UNLIMITED = new QueryBudget(null, null);

    private final Duration timeout;
    private final Set<Statement> running = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> deadline;
    private volatile RuntimeException stopped;

    private QueryBudget(Duration timeout, ScheduledExecutorService timer) {
        this.timeout = timeout;
        this.deadline = timer == null ? null : timer.schedule(() -> stop(new QueryTimeoutException(
                "the query ran longer than its " + timeout.toMillis() / 1000.0 + " s budget; narrow the time range or "
                        + "add words to the query (LARCH_QUERY_TIMEOUT sets the budget)")), timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** A budget ending after {@code timeout}; {@code timer} runs the deadline. */
    public static QueryBudget start(Duration timeout, ScheduledExecutorService timer) {
        return new QueryBudget(timeout, timer);
    }

    /** No deadline, no cancellation: for the CLI and internal callers. */
    public static QueryBudget unlimited() {
        return UNLIMITED;
    }

    /** Stops the query: the client disconnected. */
    public void cancel() {
        stop(new QueryCancelledException("the client closed the connection"));
    }

    /** Throws when the query must stop. Cheap; call it between steps. */
    public void check() {
        RuntimeException reason = stopped;
        if (reason != null) {
            throw reason;
        }
    }

    /** Runs {@code work} on {@code statement}, which a stop cancels while it runs. */
    <T> T run(Statement statement, SqlWork<T> work) throws SQLException {
        check();
        running.add(statement);
        try {
            if (stopped != null) {
                statement.cancel();
            }
            return work.run();
        } catch (SQLException e) {
            check();
            throw e;
        } finally {
            running.remove(statement);
        }
    }

    /** Work that uses a registered statement. */
    interface SqlWork<T> {
        T run() throws SQLException;
    }

    private void stop(RuntimeException reason) {
        if (this == UNLIMITED || stopped != null) {
            return;
        }
        stopped = reason;
        for (Statement statement : running) {
            try {
                statement.cancel();
            } catch (SQLException | RuntimeException ignored) {
                // the statement finished or was closed meanwhile
            }
        }
    }

    @Override
    public void close() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    public Duration timeout() {
        return timeout;
    }
}
