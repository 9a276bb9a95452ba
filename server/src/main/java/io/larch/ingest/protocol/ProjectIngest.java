package io.larch.ingest.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.ingest.EventError;
import io.larch.ingest.IngestCounters;
import io.larch.ingest.IngestLimits;
import io.larch.ingest.IngestRequest;
import io.larch.ingest.IngestResult;
import io.larch.ingest.IngestService;
import io.larch.ingest.InvalidBatchException;
import io.larch.ingest.RejectedRequestException;
import io.larch.security.ProjectPolicies;
import io.larch.security.RateLimitedException;
import io.larch.security.RateLimiter;
import io.larch.security.RateLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Stores mapped events (Larch event JSON) for a project id under the project's redaction and
 * rate limits, through {@link IngestService} like every other write: the sibling of
 * {@code http.ProtocolIngest} for the adapters that have no HTTP request whose raw body Larch's
 * signing policy could check: syslog (a socket, no headers, no acknowledgement), the Vercel drain
 * (its body is signed by Vercel with the drain secret, checked before this is called, never with
 * Larch's X-Larch-Signature) and the Vercel pull mode (Larch itself fetches the events). The
 * credential that chose the project (a key in the syslog structured data, the drain's key, the
 * admin who started following) was checked by the caller.
 *
 * <p>Events go in chunks of at most {@link IngestLimits#MAX_EVENTS} events and
 * {@link IngestLimits#MAX_BODY_BYTES}; each chunk is durable before the next is sent. Events the
 * validator refuses are left out and reported; the valid rest of their chunk is stored.
 * The project's events-per-minute limit is taken for all the events at once, before the first
 * chunk: a shipper resends a refused request whole, so a limit that refused a later chunk would
 * store the earlier ones twice. A request holding more events than that limit is refused (413).
 * A refusal of a chunk for another reason (full disk, store not accepting) is thrown, with the
 * chunks before it stored. Thread-safe.
 */
public final class ProjectIngest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Room left in a chunk's body for the {"events":[...]} around the events. */
    private static final int ENVELOPE_BYTES = 64;

    private final IngestService ingest;
    private final ProjectPolicies policies;
    private final RateLimiter limiter;

    public ProjectIngest(IngestService ingest, ProjectPolicies policies, RateLimiter limiter) {
        this.ingest = ingest;
        this.policies = policies;
        this.limiter = limiter;
    }

    /** What happened to the events: stored, dropped as repeats, refused by the validator (index and reason). */
    public record Outcome(int accepted, int debounced, List<Rejected> rejected) {
        public int rejectedCount() {
            return rejected.size();
        }

        /** The first reason, for the protocols that answer with one message. */
        public String firstReason() {
            return rejected.isEmpty() ? null : rejected.getFirst().reason();
        }
    }

    /** One event that was not stored: its index in the list given and why. */
    public record Rejected(int index, String reason) {
    }

    /** The project's policy as ingest sees it now (cached by {@link ProjectPolicies}). */
    public ProjectPolicies.Policy policy(long projectId) {
        return policies.of(projectId);
    }

    /** Stores {@code events} for {@code projectId}; see the class comment for partial success. */
    public Outcome store(long projectId, List<ObjectNode> events) {
        return store(projectId, policies.of(projectId), events);
    }

    /** As above, under {@code rules} (the policy a caller already read, e.g. to check a signature with it). */
    public Outcome store(long projectId, ProjectPolicies.Policy rules, List<ObjectNode> events) {
        RateLimits limits = rules.limits();
        if (limits.projectEventsPerMinute() > 0 && events.size() > limits.projectEventsPerMinute()) {
            // It could never be admitted whole; retrying would not help.
            throw new RejectedRequestException(413, "the request holds " + events.size() + " events, more than the project's"
                    + " limit of " + limits.projectEventsPerMinute() + " events per minute: lower the shipper's batch size"
                    + " (or raise the limit in the project's settings)");
        }
        // All or nothing against the events limit (429 before anything is stored); the chunks
        // then skip it and keep the per-user work-log limit.
        Runnable refund;
        try {
            refund = limiter.admitEvents(projectId, limits, events.size(), Map.of());
        } catch (RateLimitedException limited) {
            ingest.counters().dropped(IngestCounters.DropReason.RATE_LIMITED, events.size());
            throw limited;
        }
        RateLimits perChunk = new RateLimits(0, limits.projectRequestsPerMinute(), limits.ipRequestsPerMinute(),
                limits.workLogPerUserPerMinute());
        try {
            return storeChunks(projectId, rules, perChunk, events);
        } catch (StoredNothing nothing) {
            // Nothing stored (disk full, a failed write): the request costs nothing, as a native one.
            refund.run();
            throw nothing.cause;
        }
    }

    /** Thrown by {@link #storeChunks} when a chunk failed before any was stored. */
    private static final class StoredNothing extends Exception {
        private final RuntimeException cause;

        StoredNothing(RuntimeException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    private Outcome storeChunks(long projectId, ProjectPolicies.Policy rules, RateLimits perChunk, List<ObjectNode> events)
            throws StoredNothing {
        int accepted = 0;
        int debounced = 0;
        boolean storedAny = false;
        List<Rejected> rejected = new ArrayList<>();
        for (Chunk chunk : chunks(events)) {
            Chunk remaining = chunk;
            // At most twice: the second try holds only events the validator passed.
            for (int attempt = 0; attempt < 2 && !remaining.events().isEmpty(); attempt++) {
                try {
                    IngestResult result = ingest.ingest(new IngestRequest(projectId, remaining.body(), "application/json",
                            rules.redactor(), perChunk));
                    accepted += result.accepted();
                    debounced += result.debounced();
                    storedAny = true;
                    break;
                } catch (InvalidBatchException invalid) {
                    Set<Integer> bad = new TreeSet<>();
                    for (EventError error : invalid.errors()) {
                        if (bad.add(error.index())) {
                            rejected.add(new Rejected(remaining.indexes().get(error.index()),
                                    (error.field() == null ? "" : error.field() + ": ") + error.reason()));
                        }
                    }
                    remaining = remaining.without(bad);
                } catch (RuntimeException notStored) {
                    if (!storedAny) {
                        throw new StoredNothing(notStored);
                    }
                    throw notStored;
                }
            }
        }
        return new Outcome(accepted, debounced, rejected);
    }

    /** Consecutive events with their indexes in the list given, serialized as one native batch. */
    private record Chunk(List<ObjectNode> events, List<Integer> indexes, byte[] body) {
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
