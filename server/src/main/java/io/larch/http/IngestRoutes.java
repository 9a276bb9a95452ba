package io.larch.http;

import io.javalin.http.Context;
import io.larch.ingest.IngestLimits;
import io.larch.ingest.IngestResult;
import io.larch.ingest.IngestService;
import io.larch.meta.Project;
import io.larch.model.EventId;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code POST /api/log}: native ingest. */
final class IngestRoutes {
    private final IngestService ingest;

    IngestRoutes(IngestService ingest) {
        this.ingest = ingest;
    }

    void install(RouteTable routes) {
        routes.post("/api/log", Access.INGEST, IngestLimits.MAX_BODY_BYTES, this::ingest);
    }

    private void ingest(Context ctx, Grant grant, byte[] rawBody) {
        Project project = grant.project();
        byte[] body = RequestBodies.decode(ctx, rawBody, IngestLimits.MAX_BODY_BYTES);
        IngestResult result = ingest.ingest(project.id(), body, ctx.contentType());
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("accepted", result.accepted());
        response.put("ids", result.ids().stream().map(EventId::format).toList());
        ctx.status(202).json(response);
    }
}
