package io.larch.http;

import io.javalin.http.Context;
import io.larch.meta.Project;
import io.larch.security.ProjectPolicies;
import io.larch.security.RequestSignatures;

/**
 * The project's rules for one ingest request, shared by every route that stores events
 * ({@code POST /api/log}, the work-log writes): the signature, when the project's policy asks
 * for one, is checked over the body exactly as received, before it is decompressed or parsed.
 * One place, so a route that writes events cannot skip the signing policy.
 */
final class IngestPolicy {
    private final ProjectPolicies policies;
    private final RequestSignatures signatures;

    IngestPolicy(ProjectPolicies policies, RequestSignatures signatures) {
        this.policies = policies;
        this.signatures = signatures;
    }

    /** The policy of the grant's project, once the request's signature passed it (401 otherwise). */
    ProjectPolicies.Policy verify(Context ctx, Grant grant, byte[] rawBody) {
        Project project = grant.project();
        ProjectPolicies.Policy policy = policies.of(project.id());
        signatures.verify(project.id(), policy.signing(), policy.signingSecrets(),
                ctx.header(RequestSignatures.TIMESTAMP_HEADER), ctx.header(RequestSignatures.SIGNATURE_HEADER), rawBody);
        return policy;
    }
}
