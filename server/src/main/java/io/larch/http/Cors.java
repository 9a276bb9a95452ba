package io.larch.http;

import io.javalin.http.Context;
import java.util.Set;

/**
 * Cross-origin requests from browsers, allowed only from the configured origins (never a
 * wildcard: the routes are authenticated). A preflight from an allowed origin is answered 204
 * here; from any other origin it gets no CORS headers, so the browser refuses.
 */
final class Cors {
    static final String ALLOWED_HEADERS = "Authorization, Content-Type, Content-Encoding, X-Api-Key, "
            + "X-Larch-Timestamp, X-Larch-Signature, Last-Event-ID";
    private final Set<String> origins;

    Cors(Set<String> origins) {
        this.origins = Set.copyOf(origins);
    }

    /** Adds the CORS headers for an allowed origin; returns true when the request was a preflight, now answered. */
    boolean apply(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null || !origins.contains(origin)) {
            return false;
        }
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Vary", "Origin");
        ctx.header("Access-Control-Expose-Headers", "Retry-After, X-Larch-Error-Id");
        boolean preflight = ctx.method().name().equals("OPTIONS") && ctx.header("Access-Control-Request-Method") != null;
        if (preflight) {
            ctx.header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE");
            ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
            ctx.header("Access-Control-Max-Age", "600");
            ctx.status(204);
        }
        return preflight;
    }
}
