package io.larch.security;

import io.larch.meta.Project;
import java.util.Set;

/** Who is making a request, as established from its credential. */
public sealed interface Caller {
    /**
     * Who this is, the same for every spelling of the same credential (extra spaces, either
     * header): what per-caller limits are keyed by. Never the secret itself.
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
    record ProjectKey(Project project, String keyPrefix, Set<Scope> scopes) implements Caller {
        @Override
        public String identity() {
            return "key " + project.id() + "/" + keyPrefix;
        }
    }
}
