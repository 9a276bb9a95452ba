package io.larch.http;

import io.javalin.http.Context;
import io.larch.ingest.IngestLimits;
import io.larch.ingest.IngestRequest;
import io.larch.ingest.IngestResult;
import io.larch.ingest.IngestService;
import io.larch.meta.Project;
import io.larch.model.EventId;
import io.larch.security.ProjectPolicies;
import io.larch.security.RequestSignatures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/log}: native ingest. The signature (when the project's policy asks for one)
 * is checked over the body exactly as received, before it is decompressed or parsed
 * ({@link IngestPolicy}).
 */
final class IngestRoutes {
    private final IngestService ingest;
    private final IngestPolicy policy;

    IngestRoutes(IngestService ingest, ProjectPolicies policies, RequestSignatures signatures) {
        this.ingest = ingest;
        this.policy = new IngestPolicy(policies, signatures);
    }

    void install(RouteTable routes) {
        routes.post("/api/log", Access.INGEST, IngestLimits.MAX_BODY_BYTES, this::ingest);
    }

    private void ingest(Context ctx, Grant grant, byte[] rawBody) {
        Project project = grant.project();
        ProjectPolicies.Policy policy = this.policy.verify(ctx, grant, rawBody);
        byte[] body = RequestBodies.decode(ctx, rawBody, IngestLimits.MAX_BODY_BYTES);
        // The raw header: Jetty's parsed content type throws on an unknown charset.
        IngestResult result = ingest.ingest(new IngestRequest(project.id(), body, ctx.header("Content-Type"), policy.redactor(),
                policy.limits()));
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("accepted", result.accepted());
        response.put("debounced", result.debounced());
        List<String> ids = new ArrayList<>(result.ids().size());
        for (Long id : result.ids()) {
            ids.add(id == null ? null : EventId.format(id));
        }
        response.put("ids", ids);
        ctx.status(202).json(response);
    }
}
