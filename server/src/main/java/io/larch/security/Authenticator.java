package io.larch.security;

import io.larch.meta.ApiKeyRecord;
import io.larch.meta.ApiKeyRepository;
import io.larch.meta.Project;
import io.larch.meta.ProjectRepository;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a presented credential into a {@link Caller}. Key lookups are cached for a short time so
 * ingest does not hit the metadata database per request; a revoked key stops working within
 * {@link #CACHE_TTL} (at once on the node that revoked it). Thread-safe.
 */
public final class Authenticator {
    static final Duration CACHE_TTL = Duration.ofSeconds(30);
    private static final int CACHE_MAX = 10_000;

    private final AdminToken adminToken;
    private final ApiKeyRepository keys;
    private final ProjectRepository projects;
    private final Clock clock;
    private final ConcurrentHashMap<String, Cached> cacheByHash = new ConcurrentHashMap<>();

    public Authenticator(AdminToken adminToken, ApiKeyRepository keys, ProjectRepository projects, Clock clock) {
        this.adminToken = adminToken;
        this.keys = keys;
        this.projects = projects;
        this.clock = clock;
    }

    /** Resolves {@code credential}; throws 401 when it is missing or unknown. */
    public Caller authenticate(String credential) {
        if (credential == null || credential.isBlank()) {
            throw AuthException.unauthenticated(
                    "missing credential: send 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'");
        }
        String token = credential.trim();
        if (token.startsWith(ApiKeys.PROJECT_KEY_PREFIX)) {
            return projectKey(token).orElseThrow(() -> AuthException.unauthenticated(
                    "unknown or revoked API key " + ApiKeys.visiblePrefix(token) + "...; create a new key with POST /admin/projects/{slug}/keys"));
        }
        if (adminToken.matches(token)) {
            return new Caller.Admin();
        }
        throw AuthException.unauthenticated("invalid credential: not an API key or admin token of this server");
    }

    /** Forgets cached keys, e.g. after a revocation on this node. */
    public void invalidate() {
        cacheByHash.clear();
    }

    private Optional<Caller> projectKey(String token) {
        String hash = Secrets.sha256Hex(token);
        long now = clock.millis();
        Cached cached = cacheByHash.get(hash);
        if (cached != null && cached.expiresAt > now) {
            return cached.caller;
        }
        Optional<Caller> caller = keys.findByHash(hash)
                .filter(key -> !key.isRevoked())
                .flatMap(key -> projects.findById(key.projectId()).map(project -> toCaller(key, project)));
        if (cacheByHash.size() >= CACHE_MAX) {
            cacheByHash.clear();
        }
        cacheByHash.put(hash, new Cached(caller, now + CACHE_TTL.toMillis()));
        return caller;
    }

    private static Caller toCaller(ApiKeyRecord key, Project project) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        key.scopes().forEach(s -> Scope.parse(s).ifPresent(scopes::add));
        return new Caller.ProjectKey(project, key.prefix(), Set.copyOf(scopes));
    }

    private record Cached(Optional<Caller> caller, long expiresAt) {
    }
}
