package io.larch.http;

import io.javalin.http.Context;
import io.larch.meta.Project;
import io.larch.model.InvalidInputException;
import io.larch.security.AuthException;
import io.larch.security.Authenticator;
import io.larch.security.Caller;
import io.larch.security.ProjectAdmin;
import io.larch.security.Scope;

/** Reads the credential of a request and decides which project it may act on. */
final class Credentials {
    private final Authenticator authenticator;
    private final ProjectAdmin projects;

    Credentials(Authenticator authenticator, ProjectAdmin projects) {
        this.authenticator = authenticator;
        this.projects = projects;
    }

    Caller caller(Context ctx) {
        String authorization = ctx.header("Authorization");
        String credential = null;
        if (authorization != null) {
            String trimmed = authorization.trim();
            if (trimmed.regionMatches(true, 0, "Bearer ", 0, 7)) {
                credential = trimmed.substring(7).trim();
            } else {
                throw AuthException.unauthenticated("Authorization header must be 'Bearer <key>'");
            }
        }
        if (credential == null) {
            credential = ctx.header("X-Api-Key");
        }
        return authenticator.authenticate(credential);
    }

    void requireAdmin(Context ctx) {
        if (!(caller(ctx) instanceof Caller.Admin)) {
            throw AuthException.forbidden("this endpoint needs the admin token, not a project key");
        }
    }

    /**
     * The project a request acts on: a key's own project (a {@code project} parameter, if given,
     * must name it), or for the admin token the project named by {@code project}.
     */
    Project project(Context ctx, Scope scope) {
        return access(ctx, scope).project();
    }

    /** The project a request may act on with {@code scope}, and who asks. */
    record Access(Project project, Caller caller) {
    }

    /** Like {@link #project}, with the caller (whose identity keys per-caller limits). */
    Access access(Context ctx, Scope scope) {
        Caller caller = caller(ctx);
        return new Access(projectOf(caller, ctx, scope), caller);
    }

    private Project projectOf(Caller caller, Context ctx, Scope scope) {
        String requested = ctx.queryParam("project");
        return switch (caller) {
            case Caller.Admin admin -> {
                if (requested == null || requested.isBlank()) {
                    throw new InvalidInputException("project: the admin token acts on any project, so name one with ?project=<slug>");
                }
                yield projects.requireProject(requested.trim());
            }
            case Caller.ProjectKey key -> {
                if (requested != null && !requested.isBlank() && !requested.trim().equals(key.project().slug())) {
                    throw AuthException.forbidden("this key belongs to project '" + key.project().slug()
                            + "' and cannot access project '" + requested.trim() + "'");
                }
                if (!key.scopes().contains(scope)) {
                    throw AuthException.forbidden("key " + key.keyPrefix() + "... lacks the '" + scope.wireName()
                            + "' scope; create a key with it");
                }
                yield key.project();
            }
        };
    }
}
