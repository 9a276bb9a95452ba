package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.larch.lifecycle.Maintenance;
import io.larch.lifecycle.RetentionPolicies;
import io.larch.model.InvalidInputException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Tiers, retention and maintenance: {@code GET/PUT /admin/projects/{slug}/retention},
 * {@code POST /admin/maintain}, {@code POST /admin/purge} and {@code GET /api/stats/system}.
 */
final class LifecycleRoutes {
    /** The longest {@code POST /admin/maintain} waits for sealing before it answers 503. */
    private static final Duration SEAL_TIMEOUT = Duration.ofMinutes(5);
    private final Maintenance maintenance;
    private final RetentionPolicies retention;

    LifecycleRoutes(Maintenance maintenance, RetentionPolicies retention) {
        this.maintenance = maintenance;
        this.retention = retention;
    }

    void install(RouteTable routes) {
        routes.get("/admin/projects/{slug}/retention", Access.PROJECT_ADMIN, this::showRetention);
        routes.put("/admin/projects/{slug}/retention", Access.PROJECT_ADMIN, JsonBodies.MAX_ADMIN_BODY, this::changeRetention);
        routes.post("/admin/maintain", Access.ADMIN_TOKEN, 0, this::maintain);
        routes.post("/admin/purge", Access.ADMIN_TOKEN, 0, this::purge);
        routes.get("/api/stats/system", Access.ADMIN_TOKEN, this::systemStats);
    }

    private void showRetention(Context ctx, Grant grant) {
        ctx.json(retention.describe(grant.project()));
    }

    private void changeRetention(Context ctx, Grant grant, byte[] raw) {
        JsonNode body = JsonBodies.object(raw, "preset", "hot", "warm", "deleteAfter", "archivePrefix");
        JsonNode prefix = body.get("archivePrefix");
        if (prefix != null && !prefix.isBoolean() && !prefix.isNull()) {
            throw new InvalidInputException("archivePrefix: true or false");
        }
        retention.update(grant.actor().identity(), grant.actor().clientIp(), grant.project(), new RetentionPolicies.Change(
                JsonBodies.text(body, "preset"), JsonBodies.text(body, "hot"), JsonBodies.text(body, "warm"),
                JsonBodies.text(body, "deleteAfter"), prefix == null || prefix.isNull() ? null : prefix.booleanValue()));
        ctx.json(retention.describe(grant.project()));
    }

    /** Seals everything, runs maintenance, scrubs; answers what it did. */
    private void maintain(Context ctx, Grant grant, byte[] ignoredBody) throws Exception {
        Optional<Maintenance.Report> report = maintenance.maintainNow(SEAL_TIMEOUT);
        if (report.isEmpty()) {
            ctx.status(503).json(ApiError.of("sealing did not finish within 5 minutes; the server log says why"));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sealed", true);
        body.putAll(report.get().toMap());
        ctx.json(body);
    }

    private void purge(Context ctx, Grant grant, byte[] ignoredBody) {
        ctx.json(maintenance.purge().toMap());
    }

    private void systemStats(Context ctx, Grant grant) {
        ctx.json(maintenance.systemStats());
    }
}
