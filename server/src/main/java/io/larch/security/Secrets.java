package io.larch.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Random tokens and their hashes. */
public final class Secrets {
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Base-62 characters of a token after its prefix. */
    static final int TOKEN_CHARS = 43;

    private Secrets() {
    }

    /** A token with {@code prefix} followed by 43 base-62 characters (at least 256 random bits). */
    public static String randomToken(String prefix) {
        StringBuilder token = new StringBuilder(prefix);
        for (int i = 0; i < TOKEN_CHARS; i++) {
            token.append(BASE62[RANDOM.nextInt(BASE62.length)]);
        }
        return token.toString();
    }

    public static String sha256Hex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Compares without leaking where the first difference is. */
    public static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
