package io.larch.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.meta.SettingRepository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived tokens for an app's end users, signed by the server:
 * {@code larchvt_<base64url payload>.<base64url HMAC-SHA256(server secret, payload)>}. The
 * payload names the project, the key that minted the token, the user (and optionally one
 * conversation) and the expiry. Nothing is stored per token: a token is checked by its
 * signature and expiry here, and by the minting key still being live in {@link Authenticator},
 * so revoking that key (rotation) revokes every token it minted.
 *
 * <p>The signing secret is random, made on first start and kept in the metadata database, so
 * every node sharing that database accepts the same tokens. Thread-safe.
 */
public final class ViewerTokens {
    public static final String PREFIX = "larchvt_";
    static final String SECRET_SETTING = "viewer_token_secret";
    /** Longer is not a token: refused before any work. */
    static final int MAX_TOKEN_CHARS = 2048;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODE = Base64.getUrlDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] secret;
    private final Clock clock;

    ViewerTokens(byte[] secret, Clock clock) {
        this.secret = secret.clone();
        this.clock = clock;
    }

    /** The tokens of this server: the secret from the metadata database, made once on first start. */
    public static ViewerTokens open(SettingRepository settings, Clock clock) {
        byte[] fresh = new byte[32];
        RANDOM.nextBytes(fresh);
        settings.putIfAbsent(SECRET_SETTING, B64.encodeToString(fresh));
        return new ViewerTokens(B64_DECODE.decode(settings.get(SECRET_SETTING).orElseThrow()), clock);
    }

    /** What a valid token says. */
    public record Claims(long projectId, long keyId, String userId, String conversationId, long expiresAtMillis) {
    }

    /** A token for {@code claims}. */
    public String mint(Claims claims) {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("p", claims.projectId());
        payload.put("k", claims.keyId());
        payload.put("u", claims.userId());
        if (claims.conversationId() != null) {
            payload.put("c", claims.conversationId());
        }
        payload.put("e", claims.expiresAtMillis());
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        payload.put("n", B64.encodeToString(nonce));
        String body = B64.encodeToString(payload.toString().getBytes(StandardCharsets.UTF_8));
        return PREFIX + body + "." + B64.encodeToString(hmac(body));
    }

    /**
     * The claims of {@code token}, checked for shape, signature and expiry; throws 401 saying
     * which failed. Does not check the minting key (the {@link Authenticator} does).
     */
    public Claims verify(String token) {
        if (!token.startsWith(PREFIX) || token.length() > MAX_TOKEN_CHARS) {
            throw invalid();
        }
        int dot = token.lastIndexOf('.');
        if (dot <= PREFIX.length()) {
            throw invalid();
        }
        String body = token.substring(PREFIX.length(), dot);
        byte[] signature;
        try {
            signature = B64_DECODE.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        if (!MessageDigest.isEqual(hmac(body), signature)) {
            throw invalid();
        }
        Claims claims = parse(body).orElseThrow(ViewerTokens::invalid);
        if (claims.expiresAtMillis() <= clock.millis()) {
            throw AuthException.unauthenticated("viewer token expired at " + Instant.ofEpochMilli(claims.expiresAtMillis())
                    + "; ask the app's server for a new one (POST /api/tokens)");
        }
        return claims;
    }

    private static Optional<Claims> parse(String body) {
        try {
            JsonNode payload = JSON.readTree(B64_DECODE.decode(body));
            if (payload == null || !payload.path("p").canConvertToLong() || !payload.path("k").canConvertToLong()
                    || !payload.path("u").isTextual() || !payload.path("e").canConvertToLong()) {
                return Optional.empty();
            }
            String conversation = payload.path("c").isTextual() ? payload.path("c").textValue() : null;
            return Optional.of(new Claims(payload.get("p").asLong(), payload.get("k").asLong(), payload.get("u").textValue(),
                    conversation, payload.get("e").asLong()));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private byte[] hmac(String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private static AuthException invalid() {
        return AuthException.unauthenticated(
                "invalid viewer token (altered, truncated or from another server); ask the app's server for a new one");
    }
}
