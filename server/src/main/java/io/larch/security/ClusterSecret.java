package io.larch.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The secret nodes present to each other's {@code /internal/} endpoints (LARCH_CLUSTER_SECRET).
 * Compared in constant time: both sides are hashed first, so neither the length nor the first
 * wrong character shows in how long a refusal takes. Without a secret nothing matches.
 */
public final class ClusterSecret {
    /** SHA-256 of the secret, or null when none is set. */
    private final byte[] digest;

    private ClusterSecret(byte[] digest) {
        this.digest = digest;
    }

    public static ClusterSecret of(Optional<String> secret) {
        return new ClusterSecret(secret.map(ClusterSecret::sha256).orElse(null));
    }

    public boolean isSet() {
        return digest != null;
    }

    /** Whether {@code presented} is the secret; false when none is set. */
    public boolean matches(String presented) {
        if (digest == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(presented));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return digest == null ? "ClusterSecret[none]" : "ClusterSecret[<hidden>]";
    }
}
