package io.larch.http;

import io.javalin.http.Context;

/**
 * Headers on every response that stop a browser from misreading or framing what Larch sends:
 * no content sniffing, no framing by other sites, no referrer leaking a URL, and a content
 * policy that lets an API answer load nothing at all.
 */
final class SecurityHeaders {
    private SecurityHeaders() {
    }

    static void apply(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-store");
    }
}
