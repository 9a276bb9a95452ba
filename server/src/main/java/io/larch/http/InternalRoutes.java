package io.larch.http;

import io.javalin.http.Context;
import io.larch.model.EventId;
import io.larch.model.InvalidInputException;
import io.larch.model.LogEvent;
import io.larch.query.Field;
import io.larch.query.Query;
import io.larch.query.SearchFilters;
import io.larch.search.Searcher;
import io.larch.tail.TailHub;
import io.larch.wal.BinaryEventCodec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * What other nodes of the same Larch ask this one ({@link Access#CLUSTER}: the cluster secret).
 *
 * <p>{@code GET /internal/head?after=<id>&limit=<n>}: this node's own events with a larger id, in
 * id order, from its head and its store, at most {@code limit} (default 1000). With
 * {@code project=<id>} only that project's events matching the tail's filters ({@code q},
 * {@code kind}, {@code level}, {@code from}, {@code to} resolved at {@code now}, {@code userId},
 * {@code conversationId}): what a stream resuming on another node reads from this one. Without
 * it every project's: what the other nodes' live tails fetch.
 *
 * <p>The body is the WAL's binary encoding of the events ({@link BinaryEventCodec}), exact and
 * cheap. Headers: {@value #RELEASE_POINT} every own event below this id was stored before the
 * read (so with {@value #MORE} false the answer holds all of them after {@code after});
 * {@value #MORE} whether more follow the last; {@value #NODE} this node's id.
 */
final class InternalRoutes {
    static final String RELEASE_POINT = "Larch-Release-Point";
    static final String MORE = "Larch-More";
    static final String NODE = "Larch-Node";
    static final String CONTENT_TYPE = "application/x-larch-events";
    private static final int DEFAULT_LIMIT = 1000;
    private static final int MAX_LIMIT = 5000;
    /** Pages of other nodes' events (read from a shared catalog) skipped at most before answering. */
    private static final int MAX_FOREIGN_PAGES = 20;

    private final int nodeId;
    private final TailHub hub;
    private final Searcher searcher;
    private final QueryGate gate;
    private final Clock clock;

    InternalRoutes(int nodeId, TailHub hub, Searcher searcher, QueryGate gate, Clock clock) {
        this.nodeId = nodeId;
        this.hub = hub;
        this.searcher = searcher;
        this.gate = gate;
        this.clock = clock;
    }

    void install(RouteTable routes) {
        routes.get("/internal/head", Access.CLUSTER, this::head);
    }

    private void head(Context ctx, Grant grant) {
        long after = afterParam(ctx);
        int limit = LogFilters.intParam(ctx, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT);
        Query query = query(ctx);
        // Taken before the read: every own event below it is in the store the read sees.
        long point = hub.ownReleasePoint();
        List<LogEvent> own = new ArrayList<>();
        boolean more = false;
        if (limit > 0) {
            long cursor = after;
            for (int page = 0; page < MAX_FOREIGN_PAGES; page++) {
                long from = cursor;
                Searcher.AfterPage read = gate.runLookup(ctx, budget -> searcher.after(query, from, limit - own.size(), budget));
                for (LogEvent event : read.events()) {
                    if (EventId.nodeOf(event.id()) == nodeId) {
                        own.add(event);
                    }
                }
                more = read.more();
                if (!more || own.size() >= limit) {
                    break;
                }
                cursor = read.events().getLast().id();
            }
        }
        ctx.header(NODE, Integer.toString(nodeId));
        ctx.header(RELEASE_POINT, Long.toString(point));
        ctx.header(MORE, Boolean.toString(more));
        ctx.contentType(CONTENT_TYPE);
        ctx.result(BinaryEventCodec.encode(own));
    }

    private static long afterParam(Context ctx) {
        String text = ctx.queryParam("after");
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("after: required, an event id (13 characters)");
        }
        try {
            return EventId.parse(text.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("after: not an event id: '" + text.trim() + "'");
        }
    }

    /** Every project's events, or one project's matching the tail's filters. */
    private Query query(Context ctx) {
        String project = ctx.queryParam("project");
        if (project == null || project.isBlank()) {
            return new Query.All();
        }
        long projectId = LogFilters.longParam(ctx, "project", 0, 1, Long.MAX_VALUE);
        long now = LogFilters.longParam(ctx, "now", clock.millis(), 0, Long.MAX_VALUE);
        List<Query> clauses = new ArrayList<>();
        clauses.add(SearchFilters.build(projectId, ctx.queryParam("q"), ctx.queryParam("kind"), ctx.queryParam("level"),
                ctx.queryParam("from"), ctx.queryParam("to"), now).query());
        String userId = ctx.queryParam("userId");
        if (userId != null && !userId.isBlank()) {
            clauses.add(new Query.FieldEquals(Field.USER, userId));
        }
        String conversationId = ctx.queryParam("conversationId");
        if (conversationId != null && !conversationId.isBlank()) {
            clauses.add(new Query.FieldEquals(Field.CONVERSATION, conversationId));
        }
        return Query.and(clauses);
    }
}
