package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.larch.config.ConfigLoader;
import io.larch.ingest.IngestLimits;
import io.larch.model.InvalidInputException;
import io.larch.security.Caller;
import io.larch.security.ViewerTokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /api/tokens}: an app's server mints a short-lived viewer token for one of its
 * users (optionally one conversation) and hands it to that user's browser, which can then read
 * that user's work logs and nothing else.
 */
final class TokenRoutes {
    static final Duration DEFAULT_TTL = Duration.ofMinutes(15);

    private final ViewerTokens tokens;
    private final Duration maxTtl;
    private final Clock clock;

    TokenRoutes(ViewerTokens tokens, Duration maxTtl, Clock clock) {
        this.tokens = tokens;
        this.maxTtl = maxTtl;
        this.clock = clock;
    }

    void install(RouteTable routes) {
        routes.post("/api/tokens", Access.MINT_TOKEN, JsonBodies.MAX_ADMIN_BODY, this::mint);
    }

    private void mint(Context ctx, Grant grant, byte[] raw) {
        JsonNode body = JsonBodies.object(raw, "userId", "conversationId", "ttl");
        String userId = id(body, "userId", true);
        String conversationId = id(body, "conversationId", false);
        Duration ttl = ttl(JsonBodies.text(body, "ttl"));
        long expiresAt = clock.millis() + ttl.toMillis();
        Caller.ProjectKey key = (Caller.ProjectKey) grant.caller();
        String token = tokens.mint(new ViewerTokens.Claims(grant.project().id(), key.keyId(), userId, conversationId, expiresAt));
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("token", token);
        response.put("expiresAt", Instant.ofEpochMilli(expiresAt).toString());
        response.put("userId", userId);
        response.put("conversationId", conversationId);
        ctx.status(201).json(response);
    }

    private Duration ttl(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_TTL;
        }
        Duration ttl;
        try {
            ttl = ConfigLoader.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("ttl: expected a duration like 30s, 15m or 1h, got '" + text + "'");
        }
        if (ttl.isZero() || ttl.compareTo(maxTtl) > 0) {
            throw new InvalidInputException("ttl: must be longer than zero and at most " + maxTtl.toMinutes()
                    + "m (LARCH_VIEWER_TOKEN_MAX_TTL), got '" + text + "'");
        }
        return ttl;
    }

    private static String id(JsonNode body, String field, boolean required) {
        String value = JsonBodies.text(body, field);
        if (value == null || value.isBlank()) {
            if (required) {
                throw new InvalidInputException(field + ": required: the end user this token is for");
            }
            return null;
        }
        if (value.length() > IngestLimits.MAX_ID_CHARS) {
            throw new InvalidInputException(field + ": at most " + IngestLimits.MAX_ID_CHARS + " characters");
        }
        return value;
    }
}
