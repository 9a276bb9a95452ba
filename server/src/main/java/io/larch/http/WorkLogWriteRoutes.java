package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.larch.ingest.EventError;
import io.larch.ingest.IngestLimits;
import io.larch.ingest.IngestRequest;
import io.larch.ingest.IngestResult;
import io.larch.ingest.IngestService;
import io.larch.ingest.InvalidBatchException;
import io.larch.model.EventId;
import io.larch.model.InvalidInputException;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.model.WorkLogFields;
import io.larch.query.Query;
import io.larch.search.Searcher;
import io.larch.security.NotFoundException;
import io.larch.security.ProjectPolicies;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code POST /api/work-log/create} and {@code POST /api/work-log/update}: an app writes its
 * users' work logs without building event JSON. Each write becomes one event of kind
 * {@code work} stored through {@link IngestService}, so redaction, debounce, the per-user
 * work-log rate limit, the WAL and the project's signing policy ({@link IngestPolicy}) apply
 * exactly as on {@code POST /api/log}.
 *
 * <p>An update is a new event naming its entry ({@link WorkLogFields#ENTRY_ID}); the entry's
 * user, conversation and type are taken from its first event, so an update cannot move an entry
 * to another user's feed.
 */
final class WorkLogWriteRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFAULT_LOG_TYPE = "info";
    private static final String DEFAULT_STATUS = "info";
    /** Attribute names the server sets itself: metadata may not forge them. */
    private static final List<String> RESERVED_METADATA = List.of(WorkLogFields.LOG_TYPE, WorkLogFields.ENTRY_ID);

    private final IngestService ingest;
    private final IngestPolicy policy;
    private final Searcher searcher;
    private final QueryGate gate;

    WorkLogWriteRoutes(IngestService ingest, IngestPolicy policy, Searcher searcher, QueryGate gate) {
        this.ingest = ingest;
        this.policy = policy;
        this.searcher = searcher;
        this.gate = gate;
    }

    void install(RouteTable routes) {
        routes.post("/api/work-log/create", Access.INGEST, IngestLimits.MAX_BODY_BYTES, this::create);
        routes.post("/api/work-log/update", Access.INGEST, IngestLimits.MAX_BODY_BYTES, this::update);
    }

    private void create(Context ctx, Grant grant, byte[] rawBody) {
        ProjectPolicies.Policy rules = policy.verify(ctx, grant, rawBody);
        JsonNode body = JsonBodies.object(RequestBodies.decode(ctx, rawBody, IngestLimits.MAX_BODY_BYTES),
                "userId", "conversationId", "logType", "status", "message", "metadata");
        String userId = id(body, "userId", "the id of the user whose feed shows this entry");
        if (userId == null) {
            throw new InvalidInputException("userId: required; send the id of the user whose feed shows this entry");
        }
        String conversationId = id(body, "conversationId", "the conversation the entry belongs to, or leave it out");
        String logType = oneOf(body, "logType", WorkLogFields.LOG_TYPES, DEFAULT_LOG_TYPE);
        String status = oneOf(body, "status", WorkLogFields.STATUSES, DEFAULT_STATUS);
        String message = required(body, "message", "what the user sees, e.g. \"Searching the docs\"");
        ObjectNode attrs = JSON.createObjectNode();
        attrs.setAll(metadata(body));
        attrs.put(WorkLogFields.LOG_TYPE, logType);
        Long id = store(grant, rules, event(userId, conversationId, status, message, attrs));
        String entryId = id == null ? null : EventId.format(id);
        respond(ctx, id, entryId);
    }

    private void update(Context ctx, Grant grant, byte[] rawBody) {
        ProjectPolicies.Policy rules = policy.verify(ctx, grant, rawBody);
        JsonNode body = JsonBodies.object(RequestBodies.decode(ctx, rawBody, IngestLimits.MAX_BODY_BYTES),
                "entryId", "status", "message", "metadata");
        String entryId = required(body, "entryId", "the entryId that /api/work-log/create returned");
        String status = oneOf(body, "status", WorkLogFields.STATUSES, null);
        String message = text(body, "message", "the new message, or leave it out to keep the entry's");
        Map<String, JsonNode> metadata = metadata(body);
        LogEvent original = firstEvent(ctx, grant, entryId);
        ObjectNode attrs = JSON.createObjectNode();
        original.attrs().forEach(attrs::put);
        attrs.setAll(metadata);
        attrs.put(WorkLogFields.ENTRY_ID, EventId.format(original.id()));
        String logType = original.attrs().get(WorkLogFields.LOG_TYPE);
        if (logType != null) {
            attrs.put(WorkLogFields.LOG_TYPE, logType);
        }
        ObjectNode event = event(original.userId(), original.conversationId(),
                status != null ? status : original.status() != null ? original.status() : DEFAULT_STATUS,
                message != null ? message : original.message(), attrs);
        Long id = store(grant, rules, event);
        respond(ctx, id, EventId.format(original.id()));
    }

    /**
     * The first event of entry {@code entryId} in the grant's project: the first work event
     * stored from that id on, which must be that very event (one search of one event).
     */
    private LogEvent firstEvent(Context ctx, Grant grant, String entryId) {
        long id;
        try {
            id = EventId.parse(entryId.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("entryId: '" + entryId + "' is not an entry id; send the entryId that "
                    + "/api/work-log/create returned (13 characters)");
        }
        Query workOfProject = Query.and(List.of(new Query.ProjectIs(grant.project().id()), new Query.KindIn(EnumSet.of(Kind.WORK))));
        Searcher.AfterPage page = gate.runLookup(ctx, budget -> searcher.after(workOfProject, id - 1, 1, budget));
        List<LogEvent> found = page.events();
        if (found.isEmpty() || found.getFirst().id() != id) {
            throw new NotFoundException("entryId: no work-log entry '" + entryId + "' in this project; send the entryId "
                    + "that /api/work-log/create returned with a key of the same project"
                    + (page.partsSkipped() > 0 ? " (" + page.partsSkipped() + " damaged parts were skipped: it may be in one)" : ""));
        }
        LogEvent first = found.getFirst();
        String updated = first.attrs().get(WorkLogFields.ENTRY_ID);
        if (updated != null) {
            throw new NotFoundException("entryId: '" + entryId + "' is an update, not an entry; send the entry's own id, '"
                    + updated + "'");
        }
        return first;
    }

    /** Stores {@code event}; returns its id, or null when it was dropped as a repeat (debounced). */
    private Long store(Grant grant, ProjectPolicies.Policy rules, ObjectNode event) {
        ObjectNode batch = JSON.createObjectNode();
        batch.putArray("events").add(event);
        byte[] body = batch.toString().getBytes(StandardCharsets.UTF_8);
        try {
            IngestResult result = ingest.ingest(new IngestRequest(grant.project().id(), body, "application/json",
                    rules.redactor(), rules.limits()));
            return result.ids().getFirst();
        } catch (InvalidBatchException invalid) {
            // The batch has one event built here, so its errors are about the request's fields.
            throw new InvalidInputException(invalid.errors().stream().map(WorkLogWriteRoutes::describe)
                    .collect(Collectors.joining("; ")));
        }
    }

    /** An event error in the request's own terms: its attrs are the request's metadata. */
    private static String describe(EventError error) {
        if (error.field() == null) {
            return error.reason();
        }
        String field = error.field().equals("attrs") ? "metadata" : error.field();
        String reason = error.reason().startsWith(error.field() + " ") ? error.reason().substring(error.field().length() + 1)
                : error.reason();
        return field + ": " + reason;
    }

    /** An identifier: a string or an integer (numeric user ids are common, as on /api/log), kept as text; null when absent. */
    private static String id(JsonNode body, String field, String what) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() && !value.isIntegralNumber()) {
            throw new InvalidInputException(field + ": must be a string or an integer; send " + what);
        }
        String text = value.asText();
        return text.isBlank() ? null : text;
    }

    private static ObjectNode event(String userId, String conversationId, String status, String message, ObjectNode attrs) {
        ObjectNode event = JSON.createObjectNode();
        event.put("kind", Kind.WORK.wireName());
        event.put("level", level(status));
        event.put("message", message);
        if (userId != null) {
            event.put("userId", userId);
        }
        if (conversationId != null) {
            event.put("conversationId", conversationId);
        }
        event.put("status", status);
        event.set("attrs", attrs);
        return event;
    }

    /** A status's level, so level filters and error rates see failed work. */
    private static String level(String status) {
        return switch (status) {
            case "error" -> "error";
            case "warning" -> "warn";
            default -> "info";
        };
    }

    private static void respond(Context ctx, Long id, String entryId) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("id", id == null ? null : EventId.format(id));
        response.put("entryId", entryId);
        response.put("debounced", id == null);
        ctx.status(202).json(response);
    }

    private static String required(JsonNode body, String field, String what) {
        String value = text(body, field, what);
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(field + ": required; send " + what);
        }
        return value;
    }

    /** A string field, or null when absent; another type is refused saying what to send. */
    private static String text(JsonNode body, String field, String what) {
        JsonNode value = body.get(field);
        if (value != null && !value.isNull() && !value.isTextual()) {
            throw new InvalidInputException(field + ": must be a string; send " + what);
        }
        return JsonBodies.text(body, field);
    }

    private static String oneOf(JsonNode body, String field, List<String> allowed, String defaultValue) {
        String value = text(body, field, "one of " + String.join(", ", allowed));
        if (value == null) {
            return defaultValue;
        }
        if (!allowed.contains(value)) {
            throw new InvalidInputException(field + ": '" + value + "' is not one of " + String.join(", ", allowed)
                    + (defaultValue == null ? "" : " (leave it out for " + defaultValue + ")"));
        }
        return value;
    }

    /** The metadata object's fields (scalars only), none of them reserved; empty when absent. */
    private static Map<String, JsonNode> metadata(JsonNode body) {
        JsonNode metadata = body.get("metadata");
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        if (metadata == null || metadata.isNull()) {
            return fields;
        }
        if (!metadata.isObject()) {
            throw new InvalidInputException("metadata: must be an object of names to strings, numbers or booleans, e.g. "
                    + "{\"tool\":\"search\",\"ms\":120}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (RESERVED_METADATA.contains(field.getKey())) {
                throw new InvalidInputException("metadata." + field.getKey() + ": reserved (the server sets it); "
                        + (field.getKey().equals(WorkLogFields.LOG_TYPE) ? "send the type as the logType field"
                        : "send the entry to update as the entryId field of /api/work-log/update") + ", or rename it");
            }
            JsonNode value = field.getValue();
            if (!(value.isTextual() || value.isNumber() || value.isBoolean())) {
                throw new InvalidInputException("metadata." + field.getKey() + ": must be a string, number or boolean, got "
                        + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            fields.put(field.getKey(), value);
        }
        return fields;
    }
}
