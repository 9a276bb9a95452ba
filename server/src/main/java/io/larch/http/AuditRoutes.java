package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.larch.meta.AuditEntry;
import io.larch.meta.AuditRepository;
import io.larch.security.ProjectAdmin;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /admin/audit}: who did what, newest first. The admin token sees every entry (or one
 * project's with {@code ?project=}); a project's admin key sees its own project's. Pages with
 * {@code before=<id>} (the {@code next} of the previous page).
 */
final class AuditRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AuditRepository audit;
    private final ProjectAdmin projects;

    AuditRoutes(AuditRepository audit, ProjectAdmin projects) {
        this.audit = audit;
        this.projects = projects;
    }

    void install(RouteTable routes) {
        routes.get("/admin/audit", Access.PROJECT_ADMIN, this::list);
    }

    private void list(Context ctx, Grant grant) throws IOException {
        int limit = LogFilters.intParam(ctx, "limit", 100, 1, 1000);
        long before = LogFilters.longParam(ctx, "before", Long.MAX_VALUE, 1, Long.MAX_VALUE);
        Long projectId = grant.project() == null ? null : grant.project().id();
        List<AuditEntry> entries = audit.list(projectId, before, limit);
        Map<Long, String> slugs = new HashMap<>();
        projects.listProjects().forEach(p -> slugs.put(p.id(), p.slug()));
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (AuditEntry entry : entries) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", entry.id());
            row.put("at", Instant.ofEpochMilli(entry.at()).toString());
            row.put("actor", entry.actor());
            row.put("clientIp", entry.clientIp());
            row.put("action", entry.action());
            row.put("project", entry.projectId() == null ? null : slugs.getOrDefault(entry.projectId(), entry.projectId().toString()));
            row.put("target", entry.target());
            JsonNode detail = entry.detail() == null ? null : JSON.readTree(entry.detail());
            row.put("detail", detail);
            rows.add(row);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entries", rows);
        body.put("next", entries.size() == limit ? entries.getLast().id() : null);
        ctx.json(body);
    }
}
