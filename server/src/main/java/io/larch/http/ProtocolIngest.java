package io.larch.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.larch.ingest.protocol.ProjectIngest;
import io.larch.security.ProjectPolicies;
import io.larch.security.RequestSignatures;
import java.util.List;

/**
 * Stores events that an HTTP protocol adapter (OTLP, Loki, Elasticsearch bulk) mapped from its
 * wire format onto Larch's event JSON, through the same path as {@code POST /api/log}: the
 * project's signing policy over the raw body, then {@link ProjectIngest} (redaction, limits,
 * fingerprints, the all-or-nothing durable batch, in native chunks, the events limit taken for the
 * whole request; events the validator refuses are counted, for the protocols' partial success).
 */
final class ProtocolIngest {
    private final ProjectIngest ingest;
    private final IngestPolicy policy;

    ProtocolIngest(ProjectIngest ingest, ProjectPolicies policies, RequestSignatures signatures) {
        this.ingest = ingest;
        this.policy = new IngestPolicy(policies, signatures);
    }

    /**
     * Stores {@code events} (Larch event JSON objects) for the grant's project after checking the
     * signature over {@code rawBody}; throws as {@code POST /api/log} does for a refused credential,
     * signature, rate limit or full disk.
     */
    ProjectIngest.Outcome store(Context ctx, Grant grant, byte[] rawBody, List<ObjectNode> events) {
        ProjectPolicies.Policy rules = policy.verify(ctx, grant, rawBody);
        return ingest.store(grant.project().id(), rules, events);
    }
}
