package io.larch.http;

import io.javalin.http.Context;
import java.util.Map;

/**
 * Headers on every response that stop a browser from misreading or framing what Larch sends:
 * no content sniffing, no framing by other sites, no referrer leaking a URL, and a content
 * policy that lets an API answer load nothing at all.
 */
final class SecurityHeaders {
    private SecurityHeaders() {
    }

    /** The headers, also set by {@link JettyErrorResponses} on what Jetty refuses before any route runs. */
    static final Map<String, String> NAMES_AND_VALUES = Map.of(
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-store");

    static void apply(Context ctx) {
        NAMES_AND_VALUES.forEach(ctx::header);
    }
}
