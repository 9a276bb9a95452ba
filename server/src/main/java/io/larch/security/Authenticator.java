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
 * {@link #CACHE_TTL} (at once on the node that revoked it). Existing and unknown keys are cached
 * apart, each bounded, so a flood of made-up keys costs lookups but never evicts a real key; a
 * credential that cannot be a key (wrong length or characters) costs no lookup. Thread-safe.
 */
public final class Authenticator {
    static final Duration CACHE_TTL = Duration.ofSeconds(30);
    /** Keys that exist, at most; more than this many keys in use only costs more lookups. */
    static final int KNOWN_MAX = 10_000;
    /** Made-up or revoked keys remembered, at most; kept apart so they never evict real ones. */
    static final int UNKNOWN_MAX = 1_024;

    private final AdminToken adminToken;
    private final ApiKeyRepository keys;
    private final ProjectRepository projects;
    private final Clock clock;
    /** Callers of existing keys by key hash, until their {@link Cached#expiresAt}. */
    private final ConcurrentHashMap<String, Cached> knownByHash = new ConcurrentHashMap<>();
    /** Hashes of keys found to be unknown or revoked, until the time each maps to. */
    private final ConcurrentHashMap<String, Long> unknownByHash = new ConcurrentHashMap<>();

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
        knownByHash.clear();
        unknownByHash.clear();
    }

    private Optional<Caller> projectKey(String token) {
        if (!ApiKeys.isWellFormedProjectKey(token)) {
            return Optional.empty();
        }
        String hash = Secrets.sha256Hex(token);
        long now = clock.millis();
        Cached known = knownByHash.get(hash);
        if (known != null && known.expiresAt > now) {
            return Optional.of(known.caller);
        }
        Long unknownUntil = unknownByHash.get(hash);
        if (unknownUntil != null && unknownUntil > now) {
            return Optional.empty();
        }
        Optional<Caller> caller = keys.findByHash(hash)
                .filter(key -> !key.isRevoked())
                .flatMap(key -> projects.findById(key.projectId()).map(project -> toCaller(key, project)));
        if (caller.isPresent()) {
            // Only keys that exist get here, so no stream of made-up keys can fill this map.
            if (knownByHash.size() >= KNOWN_MAX) {
                knownByHash.clear();
            }
            knownByHash.put(hash, new Cached(caller.get(), now + CACHE_TTL.toMillis()));
            unknownByHash.remove(hash);
        } else {
            if (unknownByHash.size() >= UNKNOWN_MAX) {
                unknownByHash.clear();
            }
            unknownByHash.put(hash, now + CACHE_TTL.toMillis());
        }
        return caller;
    }

    private static Caller toCaller(ApiKeyRecord key, Project project) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        key.scopes().forEach(s -> Scope.parse(s).ifPresent(scopes::add));
        return new Caller.ProjectKey(project, key.prefix(), Set.copyOf(scopes));
    }

    private record Cached(Caller caller, long expiresAt) {
    }
}
