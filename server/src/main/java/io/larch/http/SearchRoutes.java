package io.larch.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.javalin.http.Context;
import io.larch.query.Query;
import io.larch.model.EventId;
import io.larch.model.InvalidInputException;
import io.larch.model.LogEvent;
import io.larch.search.Cursor;
import io.larch.search.SearchPage;
import io.larch.search.SearchRequest;
import io.larch.search.Searcher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.function.UnaryOperator;

/** {@code GET /api/log}: search. */
final class SearchRoutes {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private final Searcher searcher;
    private final QueryGate gate;
    private final Clock clock;

    SearchRoutes(Searcher searcher, QueryGate gate, Clock clock) {
        this.searcher = searcher;
        this.gate = gate;
        this.clock = clock;
    }

    void install(RouteTable routes) {
        routes.get("/api/log", Access.READ, this::search);
    }

    private void search(Context ctx, Grant access) throws IOException {
        answer(ctx, access, LogFilters.of(ctx, access.project(), clock.millis()).query());
    }

    /**
     * Answers {@code query} the way {@code GET /api/log} does: newest first with {@code cursor}
     * paging, or oldest first after the event id in {@code after}; {@code limit} either way.
     */
    void answer(Context ctx, Grant access, Query query) throws IOException {
        answer(ctx, access, query, PageShape.AS_FOUND);
    }

    /**
     * Like {@link #answer(Context, Grant, Query)}, with the newest-first page's events passed
     * through {@code shape} (the cursor still follows the page as found, so no event is skipped
     * by paging) and its extra fields written after the paging ones.
     */
    void answer(Context ctx, Grant access, Query query, PageShape shape) throws IOException {
        String after = ctx.queryParam("after");
        if (after != null) {
            searchAfter(ctx, access, query, after, shape.extra());
            return;
        }
        SearchRequest request = new SearchRequest(query, cursor(ctx), limit(ctx));
        SearchPage page = gate.run(ctx, access.caller(), budget -> searcher.search(request, budget));
        respond(ctx, shape.newestFirst().apply(page.events()), page.partsSkipped(), json -> {
            json.writeStringField("next", page.next() == null ? null : page.next().encode());
            if (page.archivedPartsRead() > 0) {
                json.writeNumberField("archivedPartsRead", page.archivedPartsRead());
            }
            shape.extra().write(json);
        });
    }

    /** Fields an answer carries after its events. */
    interface JsonFields {
        JsonFields NONE = json -> { };

        void write(JsonGenerator json) throws IOException;
    }

    /**
     * What a route built on search changes in its answer: the events of a newest-first page
     * (not of an {@code after} page, which feeds read in full), and fields added to either.
     */
    record PageShape(UnaryOperator<List<LogEvent>> newestFirst, JsonFields extra) {
        static final PageShape AS_FOUND = new PageShape(UnaryOperator.identity(), JsonFields.NONE);
    }

    /** {@code {"events":[...], <paging>, "partial":true, "partsSkipped":N}}, the last two only when parts were skipped. */
    private static void respond(Context ctx, List<LogEvent> events, int partsSkipped, JsonFields paging)
            throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(256 + events.size() * 512);
        try (JsonGenerator json = JSON.createGenerator(body)) {
            json.writeStartObject();
            json.writeArrayFieldStart("events");
            for (LogEvent event : events) {
                EventJson.write(json, event);
            }
            json.writeEndArray();
            paging.write(json);
            if (partsSkipped > 0) {
                json.writeBooleanField("partial", true);
                json.writeNumberField("partsSkipped", partsSkipped);
            }
            json.writeEndObject();
        }
        ctx.contentType("application/json").result(body.toByteArray());
    }

    /**
     * {@code after=<event id>}: the events stored after that one, oldest first, for feeds that
     * poll for what is new; {@code more} says to ask again right away with the last id.
     */
    private void searchAfter(Context ctx, Grant access, Query query, String after, JsonFields extra) throws IOException {
        if (ctx.queryParam("cursor") != null) {
            throw new InvalidInputException("after and cursor: use one (after pages forward from an event id, cursor pages back)");
        }
        long afterId = afterId(after);
        int limit = limit(ctx);
        Searcher.AfterPage page = gate.run(ctx, access.caller(), budget -> searcher.after(query, afterId, limit, budget));
        String last = page.events().isEmpty() ? after : EventId.format(page.events().getLast().id());
        respond(ctx, page.events(), page.partsSkipped(), json -> {
            json.writeBooleanField("more", page.more());
            json.writeStringField("last", last);
            extra.write(json);
        });
    }

    private static long afterId(String text) {
        try {
            return EventId.parse(text.trim());
        } catch (RuntimeException e) {
            throw new InvalidInputException("after: not an event id: '" + text + "' (use the id of the last event you have)");
        }
    }

    private static Cursor cursor(Context ctx) {
        String cursor = ctx.queryParam("cursor");
        return cursor == null || cursor.isBlank() ? null : Cursor.decode(cursor);
    }

    private static int limit(Context ctx) {
        return LogFilters.intParam(ctx, "limit", SearchRequest.DEFAULT_LIMIT, 1, SearchRequest.MAX_LIMIT);
    }
}
