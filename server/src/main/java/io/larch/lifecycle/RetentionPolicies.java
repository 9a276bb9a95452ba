package io.larch.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.meta.AuditRepository;
import io.larch.meta.Database;
import io.larch.meta.Project;
import io.larch.meta.ProjectRepository;
import io.larch.meta.ProjectSettingRepository;
import io.larch.model.InvalidInputException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each project's {@link Retention} and archive key prefix, kept as one JSON project setting
 * ({@code retention}: {@code {"preset":"overflow","deleteAfter":"48h"}}); a project without one
 * has the {@code default} preset. Read on every maintenance run, so cached per project and
 * dropped when changed. Thread-safe.
 */
public final class RetentionPolicies {
    static final String SETTING = "retention";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final ProjectSettingRepository settings;
    private final ProjectRepository projects;
    private final AuditRepository audit;
    private final Clock clock;
    private final Map<Long, Policy> byProject = new ConcurrentHashMap<>();

    /**
     * What one project keeps, and where: {@code archivePrefix} puts its archive objects under
     * {@code projects/{slug}/} (for per-project bucket policies or lifecycle rules).
     */
    public record Policy(Retention retention, boolean archivePrefix) {
    }

    /** A change asked for over the admin API; null fields stay as they are, "" resets a duration to the preset's. */
    public record Change(String preset, String hot, String warm, String deleteAfter, Boolean archivePrefix) {
    }

    public RetentionPolicies(Database database, ProjectSettingRepository settings, ProjectRepository projects,
                             AuditRepository audit, Clock clock) {
        this.database = database;
        this.settings = settings;
        this.projects = projects;
        this.audit = audit;
        this.clock = clock;
    }

    /** The policy of a project (the default one for a project id that has none, or no longer exists). */
    public Policy of(long projectId) {
        return byProject.computeIfAbsent(projectId, id -> parse(settings.all(id).get(SETTING)));
    }

    /** The archive key prefix of a project's objects: {@code projects/{slug}/}, or "" without one. */
    public String archivePrefix(long projectId) {
        if (!of(projectId).archivePrefix()) {
            return "";
        }
        return projects.findById(projectId).map(p -> "projects/" + p.slug() + "/").orElse("");
    }

    /** The policy as the admin API shows it. */
    public Map<String, Object> describe(Project project) {
        Policy policy = of(project.id());
        Retention retention = policy.retention();
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("project", project.slug());
        shown.put("preset", retention.preset().wireName());
        shown.put("hot", Durations.show(retention.hot()));
        shown.put("warm", Durations.show(retention.warm()));
        shown.put("deleteAfter", Durations.show(retention.deleteAfter()));
        shown.put("archives", retention.archives());
        shown.put("archivePrefix", policy.archivePrefix());
        return shown;
    }

    /** Applies {@code change} (checked whole before anything is stored) and records who did it. */
    public void update(String actor, String clientIp, Project project, Change change) {
        if (change.preset() == null && change.hot() == null && change.warm() == null && change.deleteAfter() == null
                && change.archivePrefix() == null) {
            throw new InvalidInputException("nothing to change: give any of preset, hot, warm, deleteAfter, archivePrefix");
        }
        long now = clock.millis();
        // Read, change and write the stored policy in one locked step, so that two changes at once
        // (on any nodes) both apply instead of the second undoing the first.
        database.transaction(c -> {
            settings.lockForUpdate(c, project.id());
            ObjectNode stored = storedNode(settings.all(c, project.id()).get(SETTING));
            if (change.preset() != null) {
                Retention.Preset.parse(change.preset());
                // A new preset starts from its own durations unless this change names some.
                stored.removeAll();
                stored.put("preset", change.preset());
            }
            putDuration(stored, "hot", change.hot());
            putDuration(stored, "warm", change.warm());
            putDuration(stored, "deleteAfter", change.deleteAfter());
            if (change.archivePrefix() != null) {
                stored.put("archivePrefix", change.archivePrefix());
            }
            parse(stored.toString());
            settings.put(c, project.id(), SETTING, stored.toString(), now);
            audit.append(c, now, actor, clientIp, "retention.update", project.id(), project.slug(), stored.toString());
            return null;
        });
        byProject.remove(project.id());
    }

    private static void putDuration(ObjectNode stored, String field, String value) {
        if (value == null) {
            return;
        }
        if (value.isEmpty()) {
            stored.remove(field);
            return;
        }
        Durations.parse(field, value);
        stored.put(field, value);
    }

    private static ObjectNode storedNode(String json) {
        if (json == null) {
            return JSON.createObjectNode();
        }
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    private static Policy parse(String json) {
        if (json == null) {
            return new Policy(Retention.DEFAULT, false);
        }
        JsonNode node = storedNode(json);
        Retention.Preset preset = Retention.Preset.parse(node.path("preset").asText("default"));
        Retention retention = Retention.of(preset, duration(node, "hot"), duration(node, "warm"),
                duration(node, "deleteAfter"));
        return new Policy(retention, node.path("archivePrefix").asBoolean(false));
    }

    private static Duration duration(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : Durations.parse(field, value.asText());
    }
}
