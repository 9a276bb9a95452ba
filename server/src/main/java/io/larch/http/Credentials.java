package io.larch.http;

import io.javalin.http.Context;
import io.larch.meta.Project;
import io.larch.model.InvalidInputException;
import io.larch.security.AuthException;
import io.larch.security.Authenticator;
import io.larch.security.Caller;
import io.larch.security.ClusterSecret;
import io.larch.security.ProjectAdmin;
import io.larch.security.Scope;
import java.util.function.Function;

/**
 * Reads the credential of a request and decides, for a route's {@link Access}, whether it may
 * go on and on which project. 401 means "who are you?" (missing, unknown, revoked, expired),
 * 403 "you may not" (wrong scope, wrong project, a viewer token outside work logs).
 */
final class Credentials {
    private final Authenticator authenticator;
    private final ProjectAdmin projects;
    private final Function<Context, String> clientIp;
    private final ClusterSecret clusterSecret;

    Credentials(Authenticator authenticator, ProjectAdmin projects, Function<Context, String> clientIp,
                ClusterSecret clusterSecret) {
        this.authenticator = authenticator;
        this.projects = projects;
        this.clientIp = clientIp;
        this.clusterSecret = clusterSecret;
    }

    /** The client's address: the peer, or who a trusted proxy says it forwards. */
    /** The query parameter a browser's EventSource sends its viewer token in. */
    static final String VIEWER_TOKEN_PARAM = "viewerToken";

    String clientIp(Context ctx) {
        return clientIp.apply(ctx);
    }

    /** Lets the request from {@code ip} in under {@code access} or throws {@link AuthException}. */
    Grant grant(Context ctx, Access access, String ip) {
        if (access == Access.PUBLIC) {
            return new Grant(null, null, ip);
        }
        if (access == Access.CLUSTER) {
            return clusterGrant(ctx, ip);
        }
        Caller caller = caller(ctx, access);
        Project project = switch (access) {
            case PUBLIC, CLUSTER -> null;
            case SIGNED_IN -> {
                if (caller instanceof Caller.Viewer) {
                    throw AuthException.forbidden("a viewer token can only read its user's work logs; sign in with the "
                            + "admin token or a project key");
                }
                yield caller instanceof Caller.ProjectKey key ? key.project() : null;
            }
            case ADMIN_TOKEN -> {
                if (!(caller instanceof Caller.Admin)) {
                    throw AuthException.forbidden("this endpoint needs the admin token, not " + describe(caller));
                }
                yield null;
            }
            case INGEST -> keyProject(caller, ctx, access, Scope.INGEST, null);
            case READ -> keyProject(caller, ctx, access, Scope.READ, null);
            case MINT_TOKEN -> {
                if (caller instanceof Caller.Admin) {
                    throw AuthException.forbidden("viewer tokens are minted with a project key (read or admin scope), "
                            + "so that revoking the key revokes its tokens; the admin token cannot mint them");
                }
                yield keyProject(caller, ctx, access, Scope.READ, Scope.ADMIN);
            }
            case WORK_LOG_READ -> {
                if (caller instanceof Caller.Viewer viewer) {
                    yield requireNamed(ctx.queryParam("project"), viewer.project(), "this viewer token");
                }
                yield keyProject(caller, ctx, access, Scope.READ, null);
            }
            case PROJECT_ADMIN -> {
                String named = ctx.pathParamMap().containsKey("slug") ? ctx.pathParam("slug") : ctx.queryParam("project");
                if (caller instanceof Caller.Admin) {
                    yield named == null || named.isBlank() ? null : projects.requireProject(named.trim());
                }
                yield keyProject(caller, ctx, access, Scope.ADMIN, null, named);
            }
        };
        return new Grant(caller, project, ip);
    }

    /**
     * The caller of the request's credential: the Authorization header ({@code Bearer}), else
     * X-Api-Key; on work-log reads also a viewer token in {@code ?viewerToken=}, because a
     * browser's EventSource cannot send headers. Only a viewer token may ride in a URL (URLs end
     * up in proxy logs): it is short-lived and reads one user's feed.
     */
    private Caller caller(Context ctx, Access access) {
        String inUrl = access == Access.WORK_LOG_READ ? ctx.queryParam(VIEWER_TOKEN_PARAM) : null;
        if (inUrl != null && !inUrl.isBlank() && ctx.header("Authorization") == null && ctx.header("X-Api-Key") == null) {
            Caller caller = authenticator.authenticate(inUrl.trim());
            if (!(caller instanceof Caller.Viewer)) {
                throw AuthException.unauthenticated(VIEWER_TOKEN_PARAM + ": only a viewer token may be sent in a URL;"
                        + " send keys in the Authorization header (and rotate this one: URLs are logged)");
            }
            return caller;
        }
        return caller(ctx);
    }

    /**
     * Another node: the cluster secret lets it in; a credential of Larch's own (a key, the admin
     * token, a viewer token) is refused with 403, anything else with 401, as on every route.
     */
    private Grant clusterGrant(Context ctx, String ip) {
        String presented = presented(ctx);
        if (clusterSecret.matches(presented)) {
            return new Grant(null, null, ip);
        }
        String why = clusterSecret.isSet() ? "this endpoint is for other Larch nodes: send the cluster secret"
                + " (LARCH_CLUSTER_SECRET) as 'Authorization: Bearer <secret>'"
                : "this node has no LARCH_CLUSTER_SECRET, so its internal endpoints answer no one";
        if (presented == null || presented.isBlank()) {
            throw AuthException.unauthenticated(why);
        }
        Caller caller;
        try {
            caller = authenticator.authenticate(presented);
        } catch (AuthException unknown) {
            throw AuthException.unauthenticated(why + "; the credential sent is not it");
        }
        throw AuthException.forbidden(why + ", not " + describe(caller));
    }

    private Caller caller(Context ctx) {
        return authenticator.authenticate(presented(ctx));
    }

    /** The credential a request presents: Authorization (Bearer, or Basic's password), else X-Api-Key; null when none. */
    private static String presented(Context ctx) {
        String authorization = ctx.header("Authorization");
        String credential = null;
        if (authorization != null) {
            String trimmed = authorization.trim();
            if (trimmed.regionMatches(true, 0, "Bearer ", 0, 7)) {
                credential = trimmed.substring(7).trim();
            } else if (trimmed.regionMatches(true, 0, "Basic ", 0, 6)) {
                credential = basicPassword(trimmed.substring(6).trim());
            } else {
                throw AuthException.unauthenticated("Authorization header must be 'Bearer <key>' (or 'Basic' with the key as the password)");
            }
        }
        if (credential == null) {
            credential = ctx.header("X-Api-Key");
        }
        return credential;
    }

    /**
     * The key in a basic-auth header: shippers that only speak basic auth (Elasticsearch and Loki
     * clients, Fluent Bit, Vector) send it as the password, with any user name; a lone user name
     * is taken as the key too.
     */
    private static String basicPassword(String encoded) {
        String decoded;
        try {
            decoded = new String(java.util.Base64.getDecoder().decode(encoded), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw AuthException.unauthenticated("Authorization: Basic must be base64 of 'user:key'");
        }
        int colon = decoded.indexOf(':');
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        return (password.isEmpty() ? (colon < 0 ? decoded : decoded.substring(0, colon)) : password).trim();
    }

    private Project keyProject(Caller caller, Context ctx, Access access, Scope scope, Scope alternative) {
        return keyProject(caller, ctx, access, scope, alternative, ctx.queryParam("project"));
    }

    /**
     * The project of a key holding {@code scope} (or {@code alternative}); for the admin token the
     * project {@code named}. A viewer token gets no further than work logs.
     */
    private Project keyProject(Caller caller, Context ctx, Access access, Scope scope, Scope alternative, String named) {
        return switch (caller) {
            case Caller.Admin admin -> {
                if (named == null || named.isBlank()) {
                    throw new InvalidInputException("project: the admin token acts on any project, so name one with ?project=<slug>");
                }
                yield projects.requireProject(named.trim());
            }
            case Caller.ProjectKey key -> {
                Project project = requireNamed(named, key.project(), "this key");
                if (!key.scopes().contains(scope) && (alternative == null || !key.scopes().contains(alternative))) {
                    throw AuthException.forbidden("key " + key.keyPrefix() + "... lacks the '" + scope.wireName()
                            + "' scope" + (alternative == null ? "" : " (or '" + alternative.wireName() + "')")
                            + "; create a key with it");
                }
                yield project;
            }
            case Caller.Viewer viewer -> throw AuthException.forbidden(
                    "a viewer token can only read its user's work logs (GET /api/work-log/list); this endpoint needs "
                            + access.who());
        };
    }

    /** {@code own}, unless the request names another project. */
    private static Project requireNamed(String named, Project own, String holder) {
        if (named != null && !named.isBlank() && !named.trim().equals(own.slug())) {
            throw AuthException.forbidden(holder + " belongs to project '" + own.slug()
                    + "' and cannot access project '" + named.trim() + "'");
        }
        return own;
    }

    private static String describe(Caller caller) {
        return switch (caller) {
            case Caller.Admin admin -> "the admin token";
            case Caller.ProjectKey key -> "a project key";
            case Caller.Viewer viewer -> "a viewer token";
        };
    }
}
