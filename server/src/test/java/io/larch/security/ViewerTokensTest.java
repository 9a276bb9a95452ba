package io.larch.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Viewer tokens: what is minted verifies until it expires; anything altered, cut or foreign does not. */
class ViewerTokensTest {
    private final MutableClock clock = MutableClock.at("2026-12-02T10:00:00Z");
    private final ViewerTokens tokens = new ViewerTokens("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII), clock);
    private final ViewerTokens otherServer = new ViewerTokens("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII), clock);
    private final ViewerTokens.Claims claims = new ViewerTokens.Claims(7, 42, "u1", "c9", clock.millis() + 60_000);

    private void refused(String token, String message) {
        AuthException e = assertThrows(AuthException.class, () -> tokens.verify(token), token);
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aMintedTokenSaysWhatItWasMintedFor() {
        String token = tokens.mint(claims);
        assertTrue(token.startsWith("larchvt_"), token);
        assertEquals(claims, tokens.verify(token));
        assertEquals(null, tokens.verify(tokens.mint(new ViewerTokens.Claims(7, 42, "u1", null, claims.expiresAtMillis())))
                .conversationId());
        assertNotEquals(token, tokens.mint(claims), "two tokens for the same claims differ (nonce)");
    }

    @Test
    void aTokenExpiresAtItsTime() {
        String token = tokens.mint(claims);
        clock.advance(Duration.ofSeconds(59));
        assertEquals(claims, tokens.verify(token));
        clock.advance(Duration.ofSeconds(1));
        refused(token, "viewer token expired at 2026-12-02T10:01:00Z");
    }

    @Test
    void alteredCutAndForeignTokensAreRefused() {
        String token = tokens.mint(claims);
        String[] parts = token.substring(8).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        String otherUser = Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.replace("\"u1\"", "\"u2\"").getBytes(StandardCharsets.UTF_8));
        String later = Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.replace("\"e\":", "\"e\":9").getBytes(StandardCharsets.UTF_8));
        refused("larchvt_" + otherUser + "." + parts[1], "invalid viewer token");
        refused("larchvt_" + later + "." + parts[1], "invalid viewer token");
        refused(token.substring(0, token.length() - 1), "invalid viewer token");
        refused(token + "A", "invalid viewer token");
        refused(token.substring(0, token.indexOf('.')), "invalid viewer token");
        refused("larchvt_", "invalid viewer token");
        refused("larchvt_.", "invalid viewer token");
        refused("larchvt_" + parts[0] + ".!!!", "invalid viewer token");
        refused("larchvt_" + "A".repeat(5000) + "." + parts[1], "invalid viewer token");
        refused(otherServer.mint(claims), "invalid viewer token");
        String notJson = Base64.getUrlEncoder().withoutPadding().encodeToString("[1,2]".getBytes(StandardCharsets.UTF_8));
        refused("larchvt_" + notJson + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]),
                "invalid viewer token");
    }
}
