package io.larch.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.larch.ingest.EventError;
import io.larch.ingest.IngestLimits;
import io.larch.ingest.IngestRequest;
import io.larch.ingest.IngestResult;
import io.larch.ingest.IngestService;
import io.larch.ingest.InvalidBatchException;
import io.larch.ingest.RejectedRequestException;
import io.larch.security.ProjectPolicies;
import io.larch.security.RateLimiter;
import io.larch.security.RateLimits;
import io.larch.security.RequestSignatures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Stores events that a protocol adapter (OTLP, Loki, Elasticsearch bulk, Vercel, syslog) mapped
 * from its wire format onto Larch's event JSON, through the same path as {@code POST /api/log}:
 * the project's signing policy over the raw body, redaction, limits, fingerprints and the
 * all-or-nothing durable batch. Shippers send more than one native batch holds (OTLP exporters
 * 512 records, bulk requests thousands), so events go in chunks of at most
 * {@link IngestLimits#MAX_EVENTS} and {@link IngestLimits#MAX_BODY_BYTES}; each chunk is durable
 * before the next is sent, and the answer comes once all are.
 * Events the validator refuses are dropped and counted (the protocols report partial success);
 * the valid rest of their chunk is stored.
 * The project's events-per-minute limit is taken for the whole request before the first chunk:
 * a shipper resends a refused request whole, so a limit that refused a later chunk would store
 * the earlier ones twice.
 */
final class ProtocolIngest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Room left in a chunk's body for the {"events":[...]} around the events. */
    private static final int ENVELOPE_BYTES = 64;

    private final IngestService ingest;
    private final IngestPolicy policy;
    private final RateLimiter limiter;

    ProtocolIngest(IngestService ingest, ProjectPolicies policies, RequestSignatures signatures, RateLimiter limiter) {
        this.ingest = ingest;
        this.policy = new IngestPolicy(policies, signatures);
        this.limiter = limiter;
    }

    /** What happened to a request's events. */
    record Outcome(int accepted, int debounced, List<Rejected> rejected) {
        int rejectedCount() {
            return rejected.size();
        }

        /** The first reason, for the protocols that answer with one message. */
        String firstReason() {
            return rejected.isEmpty() ? null : rejected.getFirst().reason();
        }
    }

    /** One event that was not stored: its index in the request's list and why. */
    record Rejected(int index, String reason) {
    }

    /**
     * Stores {@code events} (Larch event JSON objects) for the grant's project after checking the
     * signature over {@code rawBody}; throws as {@code POST /api/log} does for a refused credential,
     * signature, rate limit or full disk (nothing of that chunk stored).
     */
    Outcome store(Context ctx, Grant grant, byte[] rawBody, List<ObjectNode> events) {
        ProjectPolicies.Policy rules = policy.verify(ctx, grant, rawBody);
        // All or nothing against the events limit (429 before anything is stored); the chunks
        // then skip it, and keep the per-user work-log limit.
        RateLimits limits = rules.limits();
        if (limits.projectEventsPerMinute() > 0 && events.size() > limits.projectEventsPerMinute()) {
            // It could never be admitted whole; retrying would not help.
            throw new RejectedRequestException(413, "the request holds " + events.size() + " events, more than the project's"
                    + " limit of " + limits.projectEventsPerMinute() + " events per minute: lower the shipper's batch size"
                    + " (or raise the limit in the project's settings)");
        }
        Runnable refund = limiter.admitEvents(grant.project().id(), limits, events.size(), Map.of());
        RateLimits perChunk = new RateLimits(0, limits.projectRequestsPerMinute(), limits.ipRequestsPerMinute(),
                limits.workLogPerUserPerMinute());
        int accepted = 0;
        int debounced = 0;
        List<Rejected> rejected = new ArrayList<>();
        boolean storedAny = false;
        try {
            for (Chunk chunk : chunks(events)) {
                Chunk remaining = chunk;
                // At most twice: the second try holds only events the validator passed.
                for (int attempt = 0; attempt < 2 && !remaining.events().isEmpty(); attempt++) {
                    try {
                        IngestResult result = ingest.ingest(new IngestRequest(grant.project().id(), remaining.body(),
                                "application/json", rules.redactor(), perChunk));
                        accepted += result.accepted();
                        debounced += result.debounced();
                        storedAny = true;
                        break;
                    } catch (InvalidBatchException invalid) {
                        Set<Integer> bad = new TreeSet<>();
                        for (EventError error : invalid.errors()) {
                            if (bad.add(error.index())) {
                                rejected.add(new Rejected(remaining.firstIndex(error.index()),
                                        (error.field() == null ? "" : error.field() + ": ") + error.reason()));
                            }
                        }
                        remaining = remaining.without(bad);
                    }
                }
            }
        } catch (RuntimeException notStored) {
            // Nothing stored (disk full, a failed write): the request costs nothing, as a native one.
            if (!storedAny) {
                refund.run();
            }
            throw notStored;
        }
        return new Outcome(accepted, debounced, rejected);
    }

    /** Consecutive events with their indexes in the request, serialized as one native batch. */
    private record Chunk(List<ObjectNode> events, List<Integer> indexes, byte[] body) {
        int firstIndex(int indexInChunk) {
            return indexes.get(indexInChunk);
        }

        Chunk without(Set<Integer> bad) {
            List<ObjectNode> kept = new ArrayList<>();
            List<Integer> keptIndexes = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                if (!bad.contains(i)) {
                    kept.add(events.get(i));
                    keptIndexes.add(indexes.get(i));
                }
            }
            return new Chunk(kept, keptIndexes, serialize(kept));
        }
    }

    private static List<Chunk> chunks(List<ObjectNode> events) {
        List<Chunk> chunks = new ArrayList<>();
        List<ObjectNode> current = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        long bytes = ENVELOPE_BYTES;
        for (int i = 0; i < events.size(); i++) {
            long size = serialize(List.of(events.get(i))).length;
            if (!current.isEmpty() && (current.size() == IngestLimits.MAX_EVENTS || bytes + size > IngestLimits.MAX_BODY_BYTES)) {
                chunks.add(new Chunk(current, indexes, serialize(current)));
                current = new ArrayList<>();
                indexes = new ArrayList<>();
                bytes = ENVELOPE_BYTES;
            }
            current.add(events.get(i));
            indexes.add(i);
            bytes += size + 1;
        }
        if (!current.isEmpty()) {
            chunks.add(new Chunk(current, indexes, serialize(current)));
        }
        return chunks;
    }

    private static byte[] serialize(List<ObjectNode> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * events.size() + ENVELOPE_BYTES);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("events");
            for (ObjectNode event : events) {
                JSON.writeTree(json, event);
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
