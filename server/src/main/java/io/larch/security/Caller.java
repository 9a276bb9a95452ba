package io.larch.security;

import io.larch.meta.Project;
import java.util.Set;

/** Who is making a request, as established from its credential. */
public sealed interface Caller {

    /** The admin token: may do anything, on any project. */
    record Admin() implements Caller {
    }

    /** A project API key: may act only on its project, within its scopes. */
    record ProjectKey(Project project, String keyPrefix, Set<Scope> scopes) implements Caller {
    }
}
