package io.larch.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.larch.meta.Project;
import io.larch.model.LogEvent;
import io.larch.search.Cursor;
import io.larch.search.SearchPage;
import io.larch.search.SearchRequest;
import io.larch.search.Searcher;
import io.larch.security.Scope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Clock;

/** {@code GET /api/log}: search. */
final class SearchRoutes {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private final Searcher searcher;
    private final Credentials credentials;
    private final QueryGate gate;
    private final Clock clock;

    SearchRoutes(Searcher searcher, Credentials credentials, QueryGate gate, Clock clock) {
        this.searcher = searcher;
        this.credentials = credentials;
        this.gate = gate;
        this.clock = clock;
    }

    void install(JavalinConfig config) {
        config.routes.get("/api/log", this::search);
    }

    private void search(Context ctx) throws IOException {
        Credentials.Access access = credentials.access(ctx, Scope.READ);
        Project project = access.project();
        SearchRequest request = new SearchRequest(LogFilters.of(ctx, project, clock.millis()).query(), cursor(ctx),
                limit(ctx));
        SearchPage page = gate.run(ctx, access.caller(), budget -> searcher.search(request, budget));
        ByteArrayOutputStream body = new ByteArrayOutputStream(256 + page.events().size() * 512);
        try (JsonGenerator json = JSON.createGenerator(body)) {
            json.writeStartObject();
            json.writeArrayFieldStart("events");
            for (LogEvent event : page.events()) {
                EventJson.write(json, event);
            }
            json.writeEndArray();
            json.writeStringField("next", page.next() == null ? null : page.next().encode());
            if (page.isPartial()) {
                json.writeBooleanField("partial", true);
                json.writeNumberField("partsSkipped", page.partsSkipped());
            }
            json.writeEndObject();
        }
        ctx.contentType("application/json").result(body.toByteArray());
    }

    private static Cursor cursor(Context ctx) {
        String cursor = ctx.queryParam("cursor");
        return cursor == null || cursor.isBlank() ? null : Cursor.decode(cursor);
    }

    private static int limit(Context ctx) {
        return LogFilters.intParam(ctx, "limit", SearchRequest.DEFAULT_LIMIT, 1, SearchRequest.MAX_LIMIT);
    }
}
