package io.larch.meta;

import java.util.Set;

/** A stored API key: never the key itself, only its hash and a visible prefix. */
public record ApiKeyRecord(long id, long projectId, String prefix, String hash, Set<String> scopes, String name,
                           long createdAt, Long revokedAt) {
    public boolean isRevoked() {
        return revokedAt != null;
    }
}
