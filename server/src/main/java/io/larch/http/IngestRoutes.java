package io.larch.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.larch.ingest.IngestLimits;
import io.larch.ingest.IngestResult;
import io.larch.ingest.IngestService;
import io.larch.meta.Project;
import io.larch.model.EventId;
import io.larch.security.Scope;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code POST /api/log}: native ingest. */
final class IngestRoutes {
    private final IngestService ingest;
    private final Credentials credentials;

    IngestRoutes(IngestService ingest, Credentials credentials) {
        this.ingest = ingest;
        this.credentials = credentials;
    }

    void install(JavalinConfig config) {
        config.routes.post("/api/log", this::ingest);
    }

    private void ingest(Context ctx) {
        // The body (at most MAX_BODY_BYTES) is read before the credential is checked: a shipper
        // with a wrong key then gets its 401 instead of a connection closed mid-upload.
        byte[] body = RequestBodies.read(ctx, IngestLimits.MAX_BODY_BYTES);
        Project project = credentials.project(ctx, Scope.INGEST);
        IngestResult result = ingest.ingest(project.id(), body, ctx.contentType());
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("accepted", result.accepted());
        response.put("ids", result.ids().stream().map(EventId::format).toList());
        ctx.status(202).json(response);
    }
}
