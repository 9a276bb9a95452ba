package io.larch.http;

import io.javalin.http.Context;
import io.larch.security.Caller;
import io.larch.security.Scope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/session}: who the credential is, so the dashboard's sign-in can check it and
 * show only what it may do (the admin token: every project; a key: its project and scopes).
 */
final class SessionRoutes {
    void install(RouteTable routes) {
        routes.get("/api/session", Access.SIGNED_IN, this::session);
    }

    private void session(Context ctx, Grant grant) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (grant.caller() instanceof Caller.ProjectKey key) {
            body.put("credential", "key");
            body.put("keyPrefix", key.keyPrefix());
            body.put("scopes", key.scopes().stream().map(Scope::wireName).sorted().toList());
            Map<String, Object> project = new LinkedHashMap<>();
            project.put("id", key.project().id());
            project.put("slug", key.project().slug());
            project.put("name", key.project().name());
            body.put("project", project);
        } else {
            body.put("credential", "admin");
        }
        ctx.json(body);
    }
}
