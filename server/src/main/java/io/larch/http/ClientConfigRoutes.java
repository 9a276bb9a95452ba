package io.larch.http;

import io.javalin.http.Context;
import io.larch.ingest.IngestLimits;
import io.larch.model.Level;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/client-config}: what a client library (the Logback appender) needs to know
 * before it sends, readable with the project's own ingest key ({@code GET /config} needs the
 * admin token, which an application never holds): the per-level sampling it should apply by
 * default and the request limits it must batch within. Clients cache it (the Logback appender
 * for 5 minutes), so it must stay cheap and must not change per request.
 */
final class ClientConfigRoutes {

    void install(RouteTable routes) {
        routes.get("/api/client-config", Access.INGEST, this::show);
    }

    private void show(Context ctx, Grant grant) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("project", grant.project().slug());
        response.put("sampling", defaultSampling());
        response.put("maxBatch", IngestLimits.MAX_EVENTS);
        response.put("maxBodyBytes", IngestLimits.MAX_BODY_BYTES);
        response.put("maxMessageBytes", IngestLimits.MAX_MESSAGE_BYTES);
        response.put("maxStackBytes", IngestLimits.MAX_STACK_BYTES);
        response.put("maxAttrs", IngestLimits.MAX_ATTRS);
        ctx.json(response);
    }

    /**
     * Larch keeps every event it is sent (rate limits, not sampling, bound a project), so the
     * default is to send everything; a client's own setting overrides a level's rate.
     */
    private static Map<String, Double> defaultSampling() {
        Map<String, Double> sampling = new LinkedHashMap<>();
        for (Level level : Level.values()) {
            sampling.put(level.wireName(), 1.0);
        }
        return sampling;
    }
}
