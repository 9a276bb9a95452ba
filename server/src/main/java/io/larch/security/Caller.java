package io.larch.security;

import io.larch.meta.Project;
import java.util.Set;

/** Who is making a request, as established from its credential. */
public sealed interface Caller {
    /**
     * Who this is, the same for every spelling of the same credential (extra spaces, either
     * header): what per-caller limits are keyed by and what the audit trail records. Never the
     * secret itself.
     */
    String identity();

    /** The admin token: may do anything, on any project. */
    record Admin() implements Caller {
        @Override
        public String identity() {
            return "admin";
        }
    }

    /** A project API key: may act only on its project, within its scopes. */
    record ProjectKey(Project project, long keyId, String keyPrefix, Set<Scope> scopes) implements Caller {
        @Override
        public String identity() {
            return "key " + keyPrefix;
        }
    }

    /**
     * A viewer token held by an app's end user: may read only the work logs of {@code userId}
     * (and of {@code conversationId} alone when that is set) in {@code project}, until
     * {@code expiresAtMillis}. It dies with the key that minted it ({@code keyId}).
     */
    record Viewer(Project project, long keyId, String userId, String conversationId, long expiresAtMillis)
            implements Caller {
        /**
         * One per end user of a minting key: an app's users do not share one set of query slots
         * (per-caller state is bounded where it is kept, e.g. {@code QueryGate}).
         */
        @Override
        public String identity() {
            return "viewer of key " + keyId + ": " + userId;
        }
    }
}
