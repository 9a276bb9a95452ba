package io.larch.http;

import io.javalin.http.Context;
import io.larch.search.QueryBudget;
import io.larch.search.QueryCancelledException;
import io.larch.search.QueryTimeoutException;
import io.larch.security.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Request;

/**
 * Admits queries: at most {@code perCredential} at once for one credential (429 beyond), each
 * with a time budget, and each cancelled when its client disconnects (noticed by Jetty when it
 * can, and by {@link DisconnectWatcher} while the handler blocks). Thread-safe.
 */
final class QueryGate implements AutoCloseable {
    private final Duration timeout;
    private final int perCredential;
    /** Callers whose slots are kept, at most (past it, idle ones are dropped). */
    static final int MAX_CALLERS = 100_000;
    private final ConcurrentHashMap<String, Semaphore> slots = new ConcurrentHashMap<>();
    private final AtomicLong lastSweepNanos = new AtomicLong(System.nanoTime() - 2_000_000_000L);
    private final DisconnectWatcher watcher = new DisconnectWatcher(DisconnectWatcher.QUERY_POLL_MILLIS);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "query-deadlines");
        thread.setDaemon(true);
        return thread;
    });

    private final Counter timedOut;
    private final Counter cancelled;
    private final Counter rejected;

    QueryGate(Duration timeout, int perCredential, MeterRegistry metrics) {
        this.timeout = timeout;
        this.perCredential = perCredential;
        this.timedOut = Counter.builder("larch_queries_timed_out").description("queries stopped by their time budget")
                .register(metrics);
        this.cancelled = Counter.builder("larch_queries_cancelled").description("queries stopped because the client left")
                .register(metrics);
        this.rejected = Counter.builder("larch_queries_rejected").description("queries refused with 429")
                .register(metrics);
        Gauge.builder("larch_query_callers", slots, Map::size)
                .description("callers (keys, the admin token) that have run queries: the state kept per caller")
                .register(metrics);
    }

    /**
     * Runs {@code query} for {@code caller} within the limits. Slots are keyed by the caller's
     * identity, so only authenticated callers hold state (keys that exist, and end users with a
     * valid viewer token; at most {@link #MAX_CALLERS}), and every spelling of one credential
     * shares its slots.
     */
    <T> T run(Context ctx, Caller caller, Function<QueryBudget, T> query) {
        Semaphore semaphore = takeSlot(caller);
        try {
            return withBudget(ctx, query);
        } finally {
            semaphore.release();
        }
    }

    /** Budgeted reads, one after another, inside {@link #runPaged}. */
    interface PagedReads {
        /** Runs one read (a page) with its own time budget, cancelled when the client goes away. */
        <T> T read(Function<QueryBudget, T> read);
    }

    /** Work that pages through the store and writes as it goes. */
    @FunctionalInterface
    interface PagedWork {
        void run(PagedReads reads) throws IOException;
    }

    /**
     * Runs {@code work} holding one of {@code caller}'s query slots throughout (a download counts
     * as one query), with a fresh time budget for each page it reads: a 100 k-line build streams
     * for longer than one query may run, but no page may.
     */
    void runPaged(Context ctx, Caller caller, PagedWork work) throws IOException {
        Semaphore semaphore = takeSlot(caller);
        try {
            work.run(new PagedReads() {
                @Override
                public <T> T read(Function<QueryBudget, T> read) {
                    return withBudget(ctx, read);
                }
            });
        } finally {
            semaphore.release();
        }
    }

    /** One of the caller's slots, or 429. */
    private Semaphore takeSlot(Caller caller) {
        if (slots.size() >= MAX_CALLERS) {
            dropIdleSlots();
        }
        Semaphore semaphore = slots.computeIfAbsent(caller.identity(), c -> new Semaphore(perCredential));
        if (!semaphore.tryAcquire()) {
            rejected.increment();
            throw new TooManyQueriesException("this credential already runs " + perCredential
                    + " queries (LARCH_QUERY_CONCURRENCY_PER_KEY); retry when one finishes");
        }
        return semaphore;
    }

    /**
     * Runs {@code lookup}, a small read on the way to a write (the entry a work-log update
     * names), with a query's time budget and cancellation but without taking one of the
     * caller's query slots: a key that writes from many threads must not be refused because it
     * also reads. Its cost is bounded by the lookup itself and the write path's rate limits.
     */
    <T> T runLookup(Context ctx, Function<QueryBudget, T> lookup) {
        return withBudget(ctx, lookup);
    }

    private <T> T withBudget(Context ctx, Function<QueryBudget, T> query) {
        try (QueryBudget budget = QueryBudget.start(timeout, timer)) {
            Runnable unregister = cancelOnDisconnect(ctx, budget);
            Runnable unwatch = watcher.watch(ctx, budget::cancel);
            try {
                return query.apply(budget);
            } catch (QueryTimeoutException e) {
                timedOut.increment();
                throw e;
            } catch (QueryCancelledException e) {
                cancelled.increment();
                throw e;
            } finally {
                unwatch.run();
                unregister.run();
            }
        }
    }

    /**
     * Forgets callers with no query running, at most once a second. Viewer tokens make one caller
     * per end user, so the map is bounded here. A caller forgotten while it starts a query keeps
     * the slot it took; at worst it runs one query more than its limit, once.
     */
    private void dropIdleSlots() {
        long now = System.nanoTime();
        long last = lastSweepNanos.get();
        if (now - last >= 1_000_000_000L && lastSweepNanos.compareAndSet(last, now)) {
            slots.values().removeIf(semaphore -> semaphore.availablePermits() == perCredential);
        }
    }

    /**
     * Cancels {@code budget} when Jetty sees the client go away: a request failure, or the
     * connection closing. Returns what removes the connection listener (connections outlive requests).
     */
    private static Runnable cancelOnDisconnect(Context ctx, QueryBudget budget) {
        Request request;
        try {
            request = ServletContextRequest.getServletContextRequest(ctx.req());
        } catch (IllegalStateException notJetty) {
            return () -> { };
        }
        request.addFailureListener(failure -> budget.cancel());
        Connection connection = request.getConnectionMetaData().getConnection();
        Connection.Listener listener = new Connection.Listener() {
            @Override
            public void onClosed(Connection closed) {
                budget.cancel();
            }
        };
        connection.addEventListener(listener);
        return () -> connection.removeEventListener(listener);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        watcher.close();
    }
}
