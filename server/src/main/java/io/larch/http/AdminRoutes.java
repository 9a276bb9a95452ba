package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.larch.config.Setting;
import io.larch.config.Settings;
import io.larch.meta.ApiKeyRecord;
import io.larch.meta.Project;
import io.larch.model.InvalidInputException;
import io.larch.model.LogEvent;
import io.larch.part.PartRecord;
import io.larch.security.ProjectAdmin;
import io.larch.security.Scope;
import io.larch.storage.EventStore;
import io.larch.storage.HeadSegment;
import io.larch.storage.PartIntegrity;
import io.larch.storage.StoreSnapshot;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code /admin/...} and {@code GET /config}: projects, keys, storage. */
final class AdminRoutes {

    private final ProjectAdmin projects;
    private final EventStore store;
    private final Map<String, String> effectiveConfig;
    private final java.util.function.Consumer<Project> projectCreated;

    /** @param projectCreated told of each project made (it gets its default alert rules) */
    AdminRoutes(ProjectAdmin projects, EventStore store, Map<String, String> effectiveConfig,
                java.util.function.Consumer<Project> projectCreated) {
        this.projects = projects;
        this.store = store;
        this.effectiveConfig = effectiveConfig;
        this.projectCreated = projectCreated;
    }

    void install(RouteTable routes) {
        routes.post("/admin/projects", Access.ADMIN_TOKEN, JsonBodies.MAX_ADMIN_BODY, this::createProject);
        routes.get("/admin/projects", Access.ADMIN_TOKEN, this::listProjects);
        routes.post("/admin/projects/{slug}/keys", Access.PROJECT_ADMIN, JsonBodies.MAX_ADMIN_BODY, this::createKey);
        routes.get("/admin/projects/{slug}/keys", Access.PROJECT_ADMIN, this::listKeys);
        routes.delete("/admin/projects/{slug}/keys/{prefix}", Access.PROJECT_ADMIN, this::revokeKey);
        routes.get("/admin/storage", Access.ADMIN_TOKEN, this::storage);
        routes.get("/config", Access.ADMIN_TOKEN, this::showConfig);
    }

    private void createProject(Context ctx, Grant grant, byte[] raw) {
        JsonNode body = JsonBodies.object(raw, "name", "slug");
        ProjectAdmin.CreatedProject created = projects.createProject(grant.actor(), JsonBodies.text(body, "name"),
                JsonBodies.text(body, "slug"));
        try {
            projectCreated.accept(created.project());
        } catch (RuntimeException e) {
            // The project and its key exist: the key must still be shown (once); the defaults are made at the next start.
            org.slf4j.LoggerFactory.getLogger(AdminRoutes.class).warn("the default alert rules of project {} were not made"
                    + " now ({}); they are made at the next start", created.project().slug(), e.getMessage());
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("project", project(created.project()));
        response.put("key", created.key().plainKey());
        response.put("keyPrefix", created.key().record().prefix());
        response.put("note", "store this key now: it is shown only once");
        ctx.status(201).json(response);
    }

    private void listProjects(Context ctx, Grant grant) {
        ctx.json(Map.of("projects", projects.listProjects().stream().map(AdminRoutes::project).toList()));
    }

    private void createKey(Context ctx, Grant grant, byte[] raw) {
        JsonNode body = JsonBodies.object(raw, "name", "scopes");
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        JsonNode scopeNode = body.get("scopes");
        if (scopeNode == null || scopeNode.isNull()) {
            scopes.addAll(ProjectAdmin.DEFAULT_SCOPES);
        } else if (!scopeNode.isArray()) {
            throw new InvalidInputException("scopes: must be an array like [\"ingest\"]");
        } else {
            for (JsonNode scope : scopeNode) {
                scopes.add(Scope.parse(scope.asText()).orElseThrow(() -> new InvalidInputException(
                        "scopes: unknown scope '" + scope.asText() + "'; use any of " + Scope.names())));
            }
        }
        ProjectAdmin.CreatedKey created = projects.createKey(grant.actor(), grant.project().slug(),
                JsonBodies.text(body, "name"), scopes);
        Map<String, Object> response = new LinkedHashMap<>(key(created.record()));
        response.put("key", created.plainKey());
        response.put("note", "store this key now: it is shown only once");
        ctx.status(201).json(response);
    }

    private void listKeys(Context ctx, Grant grant) {
        List<ApiKeyRecord> keys = projects.listKeys(grant.project().slug());
        ctx.json(Map.of("keys", keys.stream().map(AdminRoutes::key).toList()));
    }

    private void revokeKey(Context ctx, Grant grant) {
        projects.revokeKey(grant.actor(), grant.project().slug(), ctx.pathParam("prefix"));
        ctx.status(204);
    }

    /** What each project stores: published parts, their events and bytes, and events not yet sealed. */
    private void storage(Context ctx, Grant grant) {
        StoreSnapshot snapshot = store.snapshot();
        Map<Long, long[]> byProject = new java.util.TreeMap<>();
        for (PartRecord part : snapshot.parts()) {
            long[] totals = byProject.computeIfAbsent(part.projectId(), p -> new long[4]);
            totals[0]++;
            totals[1] += part.rowCount();
            totals[2] += part.sizeBytes();
        }
        for (HeadSegment segment : snapshot.head()) {
            for (LogEvent event : segment.events()) {
                byProject.computeIfAbsent(event.projectId(), p -> new long[4])[3]++;
            }
        }
        Map<Long, String> slugs = new java.util.HashMap<>();
        projects.listProjects().forEach(p -> slugs.put(p.id(), p.slug()));
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        byProject.forEach((projectId, totals) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("project", slugs.getOrDefault(projectId, Long.toString(projectId)));
            row.put("parts", totals[0]);
            row.put("events", totals[1]);
            row.put("bytes", totals[2]);
            row.put("bytesPerEvent", totals[1] == 0 ? 0 : Math.round(totals[2] * 10.0 / totals[1]) / 10.0);
            row.put("headEvents", totals[3]);
            rows.add(row);
        });
        List<Map<String, Object>> quarantined = new java.util.ArrayList<>();
        for (PartRecord part : snapshot.quarantined()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("project", slugs.getOrDefault(part.projectId(), Long.toString(part.projectId())));
            row.put("part", part.name());
            row.put("kind", part.kind().wireName());
            row.put("events", part.rowCount());
            row.put("from", java.time.Instant.ofEpochMilli(part.minTs()).toString());
            row.put("to", java.time.Instant.ofEpochMilli(part.maxTs()).toString());
            quarantined.add(row);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("projects", rows);
        body.put("quarantined", quarantined);
        ctx.json(body);
    }

    private void showConfig(Context ctx, Grant grant) {
        ctx.json(effectiveConfig);
    }

    /** The configuration as shown to admins, with secrets hidden. */
    static Map<String, String> describe(Map<String, String> values) {
        Map<String, String> shown = new LinkedHashMap<>();
        for (Setting setting : Settings.ALL) {
            String value = values.get(setting.name());
            shown.put(setting.name(), value == null ? null : setting.secret() ? "(set)" : value);
        }
        return shown;
    }

    private static Map<String, Object> project(Project project) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", project.id());
        json.put("slug", project.slug());
        json.put("name", project.name());
        json.put("createdAt", Instant.ofEpochMilli(project.createdAt()).toString());
        return json;
    }

    private static Map<String, Object> key(ApiKeyRecord key) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("prefix", key.prefix());
        json.put("name", key.name());
        json.put("scopes", key.scopes().stream().sorted().toList());
        json.put("createdAt", Instant.ofEpochMilli(key.createdAt()).toString());
        json.put("revokedAt", key.revokedAt() == null ? null : Instant.ofEpochMilli(key.revokedAt()).toString());
        return json;
    }
}
