package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.larch.lifecycle.Eraser;
import io.larch.meta.EraseRequest;
import io.larch.meta.Project;
import io.larch.model.InvalidInputException;
import io.larch.security.AuthException;
import io.larch.security.NotFoundException;
import io.larch.security.ProjectAdmin;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /admin/erase} (erase one end user's events), {@code GET /admin/erase} (recent
 * requests) and {@code GET /admin/erase/{id}} (one request's status). The admin token erases in
 * the project the body names, or in every project when it names none; a project's admin key
 * erases only in its own project and sees only its own project's requests.
 */
final class EraseRoutes {
    private final Eraser eraser;
    private final ProjectAdmin projects;

    EraseRoutes(Eraser eraser, ProjectAdmin projects) {
        this.eraser = eraser;
        this.projects = projects;
    }

    void install(RouteTable routes) {
        routes.post("/admin/erase", Access.PROJECT_ADMIN, JsonBodies.MAX_ADMIN_BODY, this::submit);
        routes.get("/admin/erase", Access.PROJECT_ADMIN, this::list);
        routes.get("/admin/erase/{id}", Access.PROJECT_ADMIN, this::show);
    }

    private void submit(Context ctx, Grant grant, byte[] raw) {
        JsonNode body = JsonBodies.object(raw, "userId", "project");
        String userId = JsonBodies.text(body, "userId");
        if (userId == null || userId.isEmpty()) {
            throw new InvalidInputException("userId: missing; send {\"userId\":\"<the end user's id>\"} (the userId their events carry)");
        }
        Project named = named(body.get("project"));
        Project project = grant.project();
        if (project != null && named != null && named.id() != project.id()) {
            throw AuthException.forbidden("this key belongs to project '" + project.slug()
                    + "' and cannot erase in project '" + named.slug() + "'");
        }
        Project scope = project != null ? project : named;
        EraseRequest request = eraser.submit(grant.actor().identity(), grant.clientIp(), userId,
                scope == null ? null : scope.id());
        ctx.status(202).json(json(request, slugs()));
    }

    private void list(Context ctx, Grant grant) {
        int limit = LogFilters.intParam(ctx, "limit", 50, 1, 1000);
        Long projectId = grant.project() == null ? null : grant.project().id();
        Map<Long, String> slugs = slugs();
        List<Map<String, Object>> rows = eraser.recent(projectId, limit).stream().map(r -> json(r, slugs)).toList();
        ctx.json(Map.of("requests", rows));
    }

    private void show(Context ctx, Grant grant) {
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("id: must be the number POST /admin/erase answered, got '" + ctx.pathParam("id") + "'");
        }
        EraseRequest request = eraser.find(id)
                // A project's key sees only its own project's requests; others read as missing.
                .filter(r -> grant.project() == null || (r.projectId() != null && r.projectId() == grant.project().id()))
                .orElseThrow(() -> new NotFoundException("no erase request " + id + "; list them with GET /admin/erase"));
        ctx.json(json(request, slugs()));
    }

    /** The project the body names by slug or id; null when it names none; 404 when there is no such project. */
    private Project named(JsonNode project) {
        if (project == null || project.isNull()) {
            return null;
        }
        String text;
        if (project.isIntegralNumber()) {
            text = project.asText();
        } else if (project.isTextual() && !project.textValue().isBlank()) {
            text = project.textValue().trim();
        } else {
            throw new InvalidInputException("project: give the project's slug or id, or leave it out to erase in every project"
                    + " (admin token only)");
        }
        for (Project candidate : projects.listProjects()) {
            if (candidate.slug().equals(text) || Long.toString(candidate.id()).equals(text)) {
                return candidate;
            }
        }
        throw new NotFoundException("no project '" + text + "'; list projects with GET /admin/projects");
    }

    private Map<Long, String> slugs() {
        Map<Long, String> slugs = new HashMap<>();
        projects.listProjects().forEach(p -> slugs.put(p.id(), p.slug()));
        return slugs;
    }

    /** A request as the API shows it: counts always, times and error once known. */
    private static Map<String, Object> json(EraseRequest request, Map<Long, String> slugs) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", request.id());
        json.put("status", request.status().wireName());
        json.put("userId", request.userId());
        json.put("project", request.projectId() == null ? null
                : slugs.getOrDefault(request.projectId(), request.projectId().toString()));
        json.put("requestedAt", Instant.ofEpochMilli(request.requestedAt()).toString());
        json.put("requestedBy", request.requestedBy());
        json.put("startedAt", time(request.startedAt()));
        json.put("finishedAt", time(request.finishedAt()));
        json.put("partsChecked", request.partsChecked());
        json.put("partsRewritten", request.partsRewritten());
        json.put("eventsRemoved", request.eventsRemoved());
        json.put("bytesBefore", request.bytesBefore());
        json.put("bytesAfter", request.bytesAfter());
        json.put("error", request.error());
        return json;
    }

    private static String time(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis).toString();
    }
}
