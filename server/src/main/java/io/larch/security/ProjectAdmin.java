package io.larch.security;

import io.larch.meta.ApiKeyRecord;
import io.larch.meta.ApiKeyRepository;
import io.larch.meta.AuditRepository;
import io.larch.meta.Database;
import io.larch.meta.Project;
import io.larch.meta.ProjectRepository;
import io.larch.model.InvalidInputException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Creates projects and manages their keys. Plain keys are returned once and never stored. Every
 * change is written to the audit trail in the same transaction as the change itself.
 */
public final class ProjectAdmin {
    public static final Set<Scope> DEFAULT_SCOPES = EnumSet.of(Scope.INGEST, Scope.READ);
    private static final int MAX_SLUG = 63;

    private final Database database;
    private final ProjectRepository projects;
    private final ApiKeyRepository keys;
    private final AuditRepository audit;
    private final Runnable onKeyRevoked;
    private final Clock clock;

    /** @param onKeyRevoked called after a revocation, e.g. to drop cached keys */
    public ProjectAdmin(Database database, ProjectRepository projects, ApiKeyRepository keys, AuditRepository audit,
                        Runnable onKeyRevoked, Clock clock) {
        this.database = database;
        this.projects = projects;
        this.keys = keys;
        this.audit = audit;
        this.onKeyRevoked = onKeyRevoked;
        this.clock = clock;
    }

    /**
     * Creates a project named {@code name} (its slug derived from the name unless given) with a
     * first key of the {@link #DEFAULT_SCOPES} (ingest and read).
     */
    public CreatedProject createProject(Actor actor, String name, String requestedSlug) {
        String trimmedName = name == null ? "" : name.trim();
        if (trimmedName.isEmpty() || trimmedName.length() > 200) {
            throw new InvalidInputException("name: give a project name of 1 to 200 characters");
        }
        String slug = requestedSlug == null || requestedSlug.isBlank() ? slugify(trimmedName) : requestedSlug.trim();
        validateSlug(slug);
        String plainKey = ApiKeys.newProjectKey();
        long now = clock.millis();
        return database.transaction(c -> {
            Project project = projects.insertIfAbsent(c, slug, trimmedName, now).orElseThrow(() ->
                    new ConflictException("a project with slug '" + slug + "' already exists"));
            ApiKeyRecord key = keys.insert(c, project.id(), ApiKeys.visiblePrefix(plainKey),
                    Secrets.sha256Hex(plainKey), wireNames(DEFAULT_SCOPES), "default", now);
            audit.append(c, now, actor.identity(), actor.clientIp(), "project.create", project.id(), slug,
                    AuditDetail.of("name", trimmedName, "firstKey", key.prefix()));
            return new CreatedProject(project, new CreatedKey(key, plainKey));
        });
    }

    /** Adds a key to an existing project. */
    public CreatedKey createKey(Actor actor, String slug, String keyName, Set<Scope> scopes) {
        Project project = requireProject(slug);
        if (scopes.isEmpty()) {
            throw new InvalidInputException("scopes: give at least one of " + Scope.names());
        }
        String plainKey = ApiKeys.newProjectKey();
        String name = keyName == null || keyName.isBlank() ? "key" : keyName.trim();
        if (name.length() > 200) {
            throw new InvalidInputException("name: give a key name of at most 200 characters");
        }
        long now = clock.millis();
        ApiKeyRecord key = database.transaction(c -> {
            ApiKeyRecord inserted = keys.insert(c, project.id(), ApiKeys.visiblePrefix(plainKey),
                    Secrets.sha256Hex(plainKey), wireNames(scopes), name, now);
            audit.append(c, now, actor.identity(), actor.clientIp(), "key.create", project.id(), inserted.prefix(),
                    AuditDetail.of("name", name, "scopes", String.join(",", wireNames(scopes))));
            return inserted;
        });
        return new CreatedKey(key, plainKey);
    }

    public List<ApiKeyRecord> listKeys(String slug) {
        return keys.listForProject(requireProject(slug).id());
    }

    /** Revokes the key with the visible {@code prefix}; it stops working at once on this node. */
    public void revokeKey(Actor actor, String slug, String prefix) {
        Project project = requireProject(slug);
        long now = clock.millis();
        boolean revoked = database.transaction(c -> {
            if (!keys.revoke(c, project.id(), prefix, now)) {
                return false;
            }
            audit.append(c, now, actor.identity(), actor.clientIp(), "key.revoke", project.id(), prefix, null);
            return true;
        });
        if (!revoked) {
            throw new NotFoundException("project '" + slug + "' has no live key with prefix '" + prefix
                    + "'; list its keys with GET /admin/projects/" + slug + "/keys");
        }
        onKeyRevoked.run();
    }

    public List<Project> listProjects() {
        return projects.list();
    }

    public Project requireProject(String slug) {
        return projects.findBySlug(slug).orElseThrow(() -> new NotFoundException(
                "no project with slug '" + slug + "'; list projects with GET /admin/projects"));
    }

    /** "My App 2" becomes "my-app-2". */
    static String slugify(String name) {
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return slug.length() > MAX_SLUG ? slug.substring(0, MAX_SLUG).replaceAll("-+$", "") : slug;
    }

    static void validateSlug(String slug) {
        if (!slug.matches("[a-z0-9][a-z0-9-]{0," + (MAX_SLUG - 1) + "}")) {
            throw new InvalidInputException("slug: use 1 to " + MAX_SLUG
                    + " lowercase letters, digits and '-', starting with a letter or digit (got '" + slug + "')");
        }
    }

    private static Set<String> wireNames(Set<Scope> scopes) {
        return scopes.stream().map(Scope::wireName).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    /** A new project and its first key. */
    public record CreatedProject(Project project, CreatedKey key) {
    }

    /** A new key; {@code plainKey} is shown once and never again. */
    public record CreatedKey(ApiKeyRecord record, String plainKey) {
    }
}
