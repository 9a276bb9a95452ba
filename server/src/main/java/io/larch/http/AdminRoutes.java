package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.larch.config.Setting;
import io.larch.config.Settings;
import io.larch.lifecycle.Maintenance;
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

/** {@code /admin/...} and {@code GET /config}: projects, keys, maintenance. Admin token only. */
final class AdminRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ADMIN_BODY = 64 * 1024;

    private final ProjectAdmin projects;
    private final EventStore store;
    private final Maintenance maintenance;
    private final Credentials credentials;
    private final Map<String, String> effectiveConfig;

    AdminRoutes(ProjectAdmin projects, EventStore store, Maintenance maintenance, Credentials credentials,
                Map<String, String> effectiveConfig) {
        this.projects = projects;
        this.store = store;
        this.maintenance = maintenance;
        this.credentials = credentials;
        this.effectiveConfig = effectiveConfig;
    }

    void install(JavalinConfig config) {
        config.routes.before("/admin/*", credentials::requireAdmin);
        config.routes.before("/config", credentials::requireAdmin);
        config.routes.post("/admin/projects", this::createProject);
        config.routes.get("/admin/projects", this::listProjects);
        config.routes.post("/admin/projects/{slug}/keys", this::createKey);
        config.routes.get("/admin/projects/{slug}/keys", this::listKeys);
        config.routes.delete("/admin/projects/{slug}/keys/{prefix}", this::revokeKey);
        config.routes.post("/admin/maintain", this::maintain);
        config.routes.get("/admin/storage", this::storage);
        config.routes.get("/config", this::showConfig);
    }

    private void createProject(Context ctx) {
        JsonNode body = jsonBody(ctx);
        ProjectAdmin.CreatedProject created = projects.createProject(text(body, "name"), text(body, "slug"));
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("project", project(created.project()));
        response.put("key", created.key().plainKey());
        response.put("keyPrefix", created.key().record().prefix());
        response.put("note", "store this key now: it is shown only once");
        ctx.status(201).json(response);
    }

    private void listProjects(Context ctx) {
        ctx.json(Map.of("projects", projects.listProjects().stream().map(AdminRoutes::project).toList()));
    }

    private void createKey(Context ctx) {
        JsonNode body = jsonBody(ctx);
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        JsonNode scopeNode = body.get("scopes");
        if (scopeNode == null || scopeNode.isNull()) {
            scopes.addAll(ProjectAdmin.DEFAULT_SCOPES);
        } else if (!scopeNode.isArray()) {
            throw new InvalidInputException("scopes: must be an array like [\"ingest\"]");
        } else {
            for (JsonNode scope : scopeNode) {
                scopes.add(Scope.parse(scope.asText()).orElseThrow(() -> new InvalidInputException(
                        "scopes: unknown scope '" + scope.asText() + "'; use ingest and/or read")));
            }
        }
        ProjectAdmin.CreatedKey created = projects.createKey(ctx.pathParam("slug"), text(body, "name"), scopes);
        Map<String, Object> response = new LinkedHashMap<>(key(created.record()));
        response.put("key", created.plainKey());
        response.put("note", "store this key now: it is shown only once");
        ctx.status(201).json(response);
    }

    private void listKeys(Context ctx) {
        List<ApiKeyRecord> keys = projects.listKeys(ctx.pathParam("slug"));
        ctx.json(Map.of("keys", keys.stream().map(AdminRoutes::key).toList()));
    }

    private void revokeKey(Context ctx) {
        projects.revokeKey(ctx.pathParam("slug"), ctx.pathParam("prefix"));
        ctx.status(204);
    }

    private void maintain(Context ctx) throws InterruptedException, IOException {
        Optional<PartIntegrity.Scrub> scrub = maintenance.sealNow(Duration.ofMinutes(5));
        if (scrub.isEmpty()) {
            ctx.status(503).json(ApiError.of("sealing did not finish within 5 minutes; the server log says why"));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sealed", true);
        body.put("partsChecked", scrub.get().checked());
        body.put("partsQuarantined", scrub.get().quarantined());
        ctx.json(body);
    }

    /** What each project stores: published parts, their events and bytes, and events not yet sealed. */
    private void storage(Context ctx) {
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

    private void showConfig(Context ctx) {
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

    private static JsonNode jsonBody(Context ctx) {
        byte[] body = RequestBodies.read(ctx, MAX_ADMIN_BODY);
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new InvalidInputException("body must be a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new InvalidInputException("body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidInputException(field + ": must be a string");
        }
        return value.textValue();
    }
}
