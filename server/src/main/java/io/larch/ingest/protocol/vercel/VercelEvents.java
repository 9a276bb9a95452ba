package io.larch.ingest.protocol.vercel;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.ingest.IngestLimits;
import io.larch.model.InvalidInputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Maps Vercel log drain entries (the JSON delivery format: a JSON array, or NDJSON, one entry per
 * line) onto Larch events. Per entry: {@code timestamp} (ms) to ts; {@code message} to message;
 * {@code source} {@code build} to kind=build with buildId = {@code buildId}, else
 * {@code deploymentId}; every other source ({@code static}, {@code lambda}, {@code edge},
 * {@code external}, {@code firewall}, {@code redirect}, ...) to kind=app; {@code deploymentId}
 * and {@code traceId} to the event's own fields; {@code projectName} (else {@code projectId}) to
 * source; level from {@code level}, else {@code statusCode} (5xx error, 4xx warn), else
 * {@code type} {@code stderr} (error); every other field into attrs, nested objects
 * ({@code proxy}) flattened with dots ({@code proxy.statusCode}), {@code source} as
 * {@code vercelSource}, {@code type} as {@code vercelType}, {@code id} as {@code vercelId}. Pure.
 */
public final class VercelEvents {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fields that become the event's own, not attrs. */
    private static final Set<String> MAPPED = Set.of("message", "timestamp", "level", "traceId", "deploymentId");
    private static final Map<String, String> RENAMED = Map.of("source", "vercelSource", "type", "vercelType", "id", "vercelId");

    private VercelEvents() {
    }

    /** The entries of a drain body: a JSON array of objects, or NDJSON (also one object); 400 naming what is wrong. */
    public static List<JsonNode> entries(byte[] body) {
        List<JsonNode> entries = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return entries;
            }
            if (first == JsonToken.START_ARRAY) {
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    entries.add(object(JSON.readTree(parser), entries.size()));
                }
                if (parser.nextToken() != null) {
                    throw new InvalidInputException("body: text after the JSON array");
                }
                return entries;
            }
            while (parser.currentToken() != null) {
                entries.add(object(JSON.readTree(parser), entries.size()));
                parser.nextToken();
            }
            return entries;
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("body: not a JSON array or NDJSON of log drain entries (entry "
                    + entries.size() + "): " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidInputException("body: unreadable: " + e.getMessage());
        }
    }

    private static JsonNode object(JsonNode node, int index) {
        if (node == null || !node.isObject()) {
            throw new InvalidInputException("entry " + index + ": a log drain entry must be a JSON object");
        }
        return node;
    }

    /** The Larch event of one drain entry. */
    public static ObjectNode event(JsonNode entry) {
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        JsonNode timestamp = entry.get("timestamp");
        if (timestamp != null && timestamp.canConvertToLong()) {
            event.put("ts", timestamp.asLong());
        }
        String source = text(entry, "source");
        boolean build = "build".equals(source);
        event.put("kind", build ? "build" : "app");
        event.put("level", level(entry));
        event.put("message", message(entry));
        String deploymentId = text(entry, "deploymentId");
        if (deploymentId != null) {
            event.put("deploymentId", deploymentId);
        }
        if (build) {
            String buildId = text(entry, "buildId");
            event.put("buildId", buildId != null ? buildId : deploymentId != null ? deploymentId : "unknown");
        }
        String traceId = text(entry, "traceId");
        if (traceId != null) {
            event.put("traceId", traceId);
        }
        String project = text(entry, "projectName") != null ? text(entry, "projectName") : text(entry, "projectId");
        if (project != null) {
            event.put("source", limit(project, IngestLimits.MAX_ID_CHARS));
        }
        ObjectNode attrs = JsonNodeFactory.instance.objectNode();
        flatten(entry, "", attrs);
        event.set("attrs", attrs);
        return event;
    }

    /**
     * The Larch event of one item of {@code GET /v3/deployments/{id}/events} (pull mode), or null
     * when it has no text (state changes, delimiters). Items come as {@code {"type","created",
     * "payload":{"id","date","text","deploymentId","info":{"type","name"},...}}} or with the
     * payload's fields at the top: {@code date} (else {@code created}) to ts, {@code text} to
     * message, kind=build with buildId = {@code info.name} when the item is of a build (the
     * default: deployment events are build logs), else kind=app; {@code type} {@code stderr} is an
     * error; the rest into attrs ({@code vercelType}, {@code vercelId}, {@code info.*}, ...).
     */
    public static ObjectNode deploymentEvent(JsonNode item, String followedDeploymentId) {
        JsonNode payload = item.path("payload").isObject() ? item.get("payload") : item;
        String text = text(payload, "text");
        if (text == null || text.isEmpty()) {
            return null;
        }
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        long ts = eventTime(item);
        if (ts > 0) {
            event.put("ts", ts);
        }
        String deploymentId = text(payload, "deploymentId") != null ? text(payload, "deploymentId") : followedDeploymentId;
        String infoType = text(payload.path("info"), "type");
        boolean build = infoType == null || infoType.equals("build");
        event.put("kind", build ? "build" : "app");
        String type = text(item, "type") != null ? text(item, "type") : text(payload, "type");
        event.put("level", "stderr".equals(type) ? "error" : level(payload));
        event.put("message", text);
        event.put("deploymentId", deploymentId);
        if (build) {
            String name = text(payload.path("info"), "name");
            event.put("buildId", name != null && !name.isEmpty() ? name : deploymentId);
        }
        event.put("source", "vercel");
        ObjectNode attrs = JsonNodeFactory.instance.objectNode();
        if (type != null) {
            attrs.put("vercelType", type);
        }
        attrs.put("vercelId", eventId(item));
        flatten(payload, "", attrs);
        attrs.remove(List.of("text", "date", "created", "vercelType"));
        if (type != null) {
            attrs.put("vercelType", type);
        }
        event.set("attrs", attrs);
        return event;
    }

    /** The time of a deployment event (ms): the payload's {@code date}, else {@code created}; 0 when neither. */
    public static long eventTime(JsonNode item) {
        JsonNode payload = item.path("payload").isObject() ? item.get("payload") : item;
        for (JsonNode candidate : List.of(payload.path("date"), payload.path("created"), item.path("created"))) {
            if (candidate.canConvertToLong()) {
                return candidate.asLong();
            }
        }
        return 0;
    }

    /** The id of a deployment event: its {@code id}, else its {@code serial}, else its time and text. */
    public static String eventId(JsonNode item) {
        JsonNode payload = item.path("payload").isObject() ? item.get("payload") : item;
        String id = text(payload, "id") != null ? text(payload, "id") : text(item, "id");
        if (id != null) {
            return id;
        }
        String serial = text(payload, "serial");
        if (serial != null) {
            return serial;
        }
        return eventTime(item) + "-" + Integer.toHexString(String.valueOf(text(payload, "text")).hashCode());
    }

    /** {@code level} as Vercel names it, else from the status code, else from the stream. */
    static String level(JsonNode entry) {
        String level = text(entry, "level");
        if (level != null) {
            return switch (level.toLowerCase(Locale.ROOT)) {
                case "warning", "warn" -> "warn";
                case "error" -> "error";
                case "fatal", "critical" -> "fatal";
                case "debug" -> "debug";
                case "trace" -> "trace";
                default -> "info";
            };
        }
        JsonNode status = entry.get("statusCode");
        if (status == null || !status.canConvertToInt()) {
            status = entry.path("proxy").get("statusCode");
        }
        if (status != null && status.canConvertToInt()) {
            int code = status.asInt();
            if (code >= 500 || code == -1) {
                // -1: the function crashed before answering (Vercel's docs).
                return "error";
            }
            if (code >= 400) {
                return "warn";
            }
        }
        return "stderr".equals(text(entry, "type")) ? "error" : "info";
    }

    /** The entry's message; a request entry without one reads like an access log line. */
    private static String message(JsonNode entry) {
        String message = text(entry, "message");
        if (message != null && !message.isEmpty()) {
            return message;
        }
        JsonNode proxy = entry.path("proxy");
        String method = text(proxy, "method");
        String path = text(proxy, "path") != null ? text(proxy, "path") : text(entry, "path");
        JsonNode status = entry.has("statusCode") ? entry.get("statusCode") : proxy.get("statusCode");
        if (method != null || path != null) {
            return ((method == null ? "" : method + " ") + (path == null ? "" : path)
                    + (status == null ? "" : " " + status.asText())).trim();
        }
        return "(vercel " + (text(entry, "source") == null ? "log" : text(entry, "source")) + " entry without a message)";
    }

    /** Every field but the mapped ones into {@code attrs}, objects flattened with dots, arrays of scalars joined. */
    private static void flatten(JsonNode node, String prefix, ObjectNode attrs) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            if (prefix.isEmpty() && MAPPED.contains(name)) {
                continue;
            }
            String key = prefix + (prefix.isEmpty() ? RENAMED.getOrDefault(name, name) : name);
            JsonNode value = field.getValue();
            if (attrs.size() >= IngestLimits.MAX_ATTRS) {
                return;
            }
            if (value.isObject()) {
                flatten(value, key + ".", attrs);
            } else if (value.isArray()) {
                List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(item.isValueNode() ? item.asText() : item.toString()));
                attrs.put(limit(key, IngestLimits.MAX_ATTR_KEY_CHARS), limit(String.join(", ", items),
                        IngestLimits.MAX_ATTR_VALUE_CHARS));
            } else if (value.isNumber() || value.isBoolean()) {
                attrs.set(limit(key, IngestLimits.MAX_ATTR_KEY_CHARS), value);
            } else if (!value.isNull()) {
                attrs.put(limit(key, IngestLimits.MAX_ATTR_KEY_CHARS), limit(value.asText(), IngestLimits.MAX_ATTR_VALUE_CHARS));
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || value.isContainerNode() ? null : value.asText();
    }

    private static String limit(String text, int maxChars) {
        return text.length() <= maxChars ? text : text.substring(0, maxChars);
    }
}
