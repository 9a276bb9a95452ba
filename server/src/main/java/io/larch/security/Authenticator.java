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
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns a presented credential into a {@link Caller}. Key lookups are cached for a short time so
 * ingest does not hit the metadata database per request; a revoked key stops working within
 * {@link #CACHE_TTL} (at once on the node that revoked it). Existing and unknown keys are cached
 * apart, each bounded, so a flood of made-up keys costs lookups but never evicts a real key; a
 * credential that cannot be a key (wrong length or characters) costs no lookup. A viewer token
 * is checked by its signature and expiry, then by the key that minted it being live (looked up by
 * id, cached the same way), so a revocation ends its tokens too. Thread-safe.
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
    private final ViewerTokens viewerTokens;
    private final Clock clock;
    /** Callers of existing keys by key hash, until their {@link Cached#expiresAt}. */
    private final ConcurrentHashMap<String, Cached> knownByHash = new ConcurrentHashMap<>();
    /** Hashes of keys found to be unknown or revoked, until the time each maps to. */
    private final ConcurrentHashMap<String, Long> unknownByHash = new ConcurrentHashMap<>();
    /** Minting keys of viewer tokens by key id: the key's caller, or null when revoked or gone. */
    private final ConcurrentHashMap<Long, CachedKey> mintersById = new ConcurrentHashMap<>();
    /**
     * Counts invalidations: a lookup that began before one must not cache what it read, or a key
     * read as live just before its revocation committed would be cached again just after.
     */
    private final AtomicLong generation = new AtomicLong();

    public Authenticator(AdminToken adminToken, ApiKeyRepository keys, ProjectRepository projects,
                         ViewerTokens viewerTokens, Clock clock) {
        this.adminToken = adminToken;
        this.keys = keys;
        this.projects = projects;
        this.viewerTokens = viewerTokens;
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
        if (token.startsWith(ViewerTokens.PREFIX)) {
            return viewer(token);
        }
        if (adminToken.matches(token)) {
            return new Caller.Admin();
        }
        throw AuthException.unauthenticated("invalid credential: not an API key or admin token of this server");
    }

    /** Forgets cached keys, e.g. after a revocation on this node. */
    public void invalidate() {
        generation.incrementAndGet();
        knownByHash.clear();
        unknownByHash.clear();
        mintersById.clear();
    }

    /** The viewer a token stands for, or 401: invalid, expired, or its minting key revoked. */
    private Caller viewer(String token) {
        ViewerTokens.Claims claims = viewerTokens.verify(token);
        Caller.ProjectKey minter = minter(claims.keyId());
        if (minter == null || minter.project().id() != claims.projectId()) {
            throw AuthException.unauthenticated(
                    "the key that minted this viewer token was revoked; ask the app's server for a new token");
        }
        return new Caller.Viewer(minter.project(), claims.keyId(), claims.userId(), claims.conversationId(),
                claims.expiresAtMillis());
    }

    private Caller.ProjectKey minter(long keyId) {
        long now = clock.millis();
        CachedKey cached = mintersById.get(keyId);
        if (cached != null && cached.expiresAt > now) {
            return cached.caller;
        }
        // Only ids from validly signed tokens get here, so the map grows with real keys alone.
        long lookupGeneration = generation.get();
        Caller.ProjectKey caller = keys.findById(keyId)
                .filter(key -> !key.isRevoked())
                .flatMap(key -> projects.findById(key.projectId()).map(project -> toCaller(key, project)))
                .orElse(null);
        if (generation.get() != lookupGeneration) {
            return caller;
        }
        if (mintersById.size() >= KNOWN_MAX) {
            mintersById.clear();
        }
        mintersById.put(keyId, new CachedKey(caller, now + CACHE_TTL.toMillis()));
        return caller;
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
        long lookupGeneration = generation.get();
        Optional<Caller> caller = keys.findByHash(hash)
                .filter(key -> !key.isRevoked())
                .flatMap(key -> projects.findById(key.projectId()).map(project -> (Caller) toCaller(key, project)));
        if (generation.get() != lookupGeneration) {
            return caller;
        }
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

    private static Caller.ProjectKey toCaller(ApiKeyRecord key, Project project) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        key.scopes().forEach(s -> Scope.parse(s).ifPresent(scopes::add));
        return new Caller.ProjectKey(project, key.id(), key.prefix(), Set.copyOf(scopes));
    }

    private record Cached(Caller caller, long expiresAt) {
    }

    private record CachedKey(Caller.ProjectKey caller, long expiresAt) {
    }
}
