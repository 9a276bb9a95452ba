package io.larch.http;

import io.javalin.http.Context;
import io.larch.model.LogEvent;
import io.larch.model.WorkLogFields;
import io.larch.query.Query;
import io.larch.search.SearchRequest;
import io.larch.search.Searcher;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /api/work-log/list}: one user's work logs (kind {@code work}), optionally of one
 * conversation, newest first with {@code cursor} or oldest first {@code after=<id>}. A viewer
 * token reads only its own user (and conversation, when it names one), whatever is asked.
 * Installs the writes ({@link WorkLogWriteRoutes}) and the counts ({@link WorkLogStatsRoutes}) too.
 *
 * <p>An entry that was updated has several events (a tool call {@code working}, then
 * {@code success}), all carrying its {@code entryId}. A newest-first page shows each entry once,
 * as its newest event on the page: one line whose status changed, not two. Across pages the
 * client dedupes by {@code entryId} (an older version may reappear on a later page, and the
 * newer one it already has wins). An {@code after} page is not collapsed: a poller must see each
 * new version as it arrives, in the order stored.
 */
final class WorkLogRoutes {
    /** "Recently active", for the polling hint. */
    static final long ACTIVE_WINDOW_MILLIS = 60_000;
    static final int POLL_CONVERSATION_ACTIVE_MS = 1_000;
    static final int POLL_USER_ACTIVE_MS = 3_000;
    static final int POLL_IDLE_MS = 10_000;

    private final SearchRoutes search;
    private final Searcher searcher;
    private final QueryGate gate;
    private final Clock clock;
    private final WorkLogWriteRoutes writes;
    private final WorkLogStatsRoutes stats;

    WorkLogRoutes(SearchRoutes search, HttpServer.Dependencies deps, QueryGate gate) {
        this.search = search;
        this.searcher = deps.searcher();
        this.gate = gate;
        this.clock = deps.clock();
        this.writes = new WorkLogWriteRoutes(deps.ingest(), new IngestPolicy(deps.policies(), deps.signatures()),
                deps.searcher(), gate);
        this.stats = new WorkLogStatsRoutes(deps.aggregator(), gate, deps.clock());
    }

    void install(RouteTable routes) {
        routes.get("/api/work-log/list", Access.WORK_LOG_READ, this::list);
        writes.install(routes);
        stats.install(routes);
    }

    private void list(Context ctx, Grant grant) throws IOException {
        WorkLogScope scope = WorkLogScope.of(ctx, grant);
        int pollAfterMs = pollAfterMillis(ctx, grant, scope);
        search.answer(ctx, grant, scope.query(), new SearchRoutes.PageShape(WorkLogRoutes::collapseEntries,
                json -> json.writeNumberField("pollAfterMs", pollAfterMs)));
    }

    /**
     * How long a polling client should wait before asking again: soon while the conversation is
     * busy, a little longer while only the user is, and backing off when idle. Read from the
     * store (at most two searches of one event each, over the last minute, which is the head
     * and at most the newest part), so it is right after a restart and agrees with what any
     * node stored; without a userId (a key reading the whole project) "the user" is every user.
     */
    private int pollAfterMillis(Context ctx, Grant grant, WorkLogScope scope) {
        long since = clock.millis() - ACTIVE_WINDOW_MILLIS;
        if (scope.conversationId() != null && hasEventSince(ctx, grant, scope.query(), since)) {
            return POLL_CONVERSATION_ACTIVE_MS;
        }
        return hasEventSince(ctx, grant, scope.ofUser(), since) ? POLL_USER_ACTIVE_MS : POLL_IDLE_MS;
    }

    private boolean hasEventSince(Context ctx, Grant grant, Query query, long sinceMillis) {
        SearchRequest newest = new SearchRequest(Query.and(List.of(query, new Query.TimeWithin(sinceMillis, Long.MAX_VALUE))),
                null, 1);
        return !gate.run(ctx, grant.caller(), budget -> searcher.search(newest, budget)).events().isEmpty();
    }

    /** Each entry once, as its first (newest) event on a newest-first page. */
    static List<LogEvent> collapseEntries(List<LogEvent> newestFirst) {
        Set<String> seen = new HashSet<>();
        List<LogEvent> entries = new ArrayList<>(newestFirst.size());
        for (LogEvent event : newestFirst) {
            if (seen.add(WorkLogFields.entryId(event))) {
                entries.add(event);
            }
        }
        return entries;
    }
}
