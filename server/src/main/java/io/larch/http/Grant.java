package io.larch.http;

import io.larch.meta.Project;
import io.larch.security.Actor;
import io.larch.security.Caller;

/**
 * What a request was allowed: who asks ({@code caller}, null on public routes), the project it
 * acts on (null where the route is not about one project) and the client's address.
 */
record Grant(Caller caller, Project project, String clientIp) {
    /** The audit trail's name for who did it. */
    Actor actor() {
        return new Actor(caller == null ? "anonymous" : caller.identity(), clientIp);
    }
}
