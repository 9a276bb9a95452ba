package io.larch.http;

import io.larch.meta.Project;
import io.larch.security.ProjectPolicies;
import io.larch.security.RateLimiter;
import io.larch.security.RateLimits;

/**
 * The per-request rate limits, around the credential check: the client address first (so a
 * flood of wrong keys is slowed before any lookup), then the project the request acts on.
 */
final class RequestAdmission {
    private final RateLimiter limiter;
    private final RateLimits serverLimits;
    private final ProjectPolicies policies;

    RequestAdmission(RateLimiter limiter, RateLimits serverLimits, ProjectPolicies policies) {
        this.limiter = limiter;
        this.serverLimits = serverLimits;
        this.policies = policies;
    }

    void beforeCredential(String clientIp) {
        limiter.admitAddress(clientIp, serverLimits);
    }

    void afterCredential(Project project) {
        if (project != null) {
            limiter.admitProjectRequest(project.id(), policies.of(project.id()).limits());
        }
    }
}
