package io.larch.ingest.protocol.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.ingest.IngestLimits;
import io.larch.model.Level;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps one Elasticsearch document onto a Larch event (as event JSON for the native path).
 * Field names are looked up flattened, so {@code {"log":{"level":"warn"}}} and
 * {@code {"log.level":"warn"}} are the same field; the first present of each list below wins:
 * <ul>
 * <li>ts: {@code @timestamp} (ISO-8601, or epoch milliseconds as a number or digits), {@code timestamp}, {@code time}</li>
 * <li>message: {@code message}, {@code log}, {@code msg}; none: the whole document as JSON text</li>
 * <li>level: {@code level}, {@code log.level}, {@code severity}, {@code syslog.severity} (names, with the
 * syslog spellings; syslog's numbers 0-7; pino's 10-60); an unknown one stays an attr</li>
 * <li>source: {@code service.name}, {@code host.name}, {@code hostname}, {@code programname}, {@code app}, {@code source}</li>
 * <li>traceId: {@code trace.id}, {@code trace_id}; userId: {@code user.id}; stack: {@code stack_trace}, {@code error.stack_trace}</li>
 * </ul>
 * The index goes to {@code attrs.index}; every other field becomes an attr. Documents are made
 * by shippers that cannot be told Larch's limits, so attrs are fitted into them rather than
 * refused: over-long values are cut, over-long names and fields beyond the attr count are
 * dropped and counted in {@code attrs["larch.dropped_fields"]}.
 */
public final class BulkDocumentMapper {
    static final List<String> TIMESTAMP_FIELDS = List.of("@timestamp", "timestamp", "time");
    static final List<String> MESSAGE_FIELDS = List.of("message", "log", "msg");
    static final List<String> LEVEL_FIELDS = List.of("level", "log.level", "severity", "syslog.severity");
    static final List<String> SOURCE_FIELDS = List.of("service.name", "host.name", "hostname", "programname", "app", "source");
    static final List<String> TRACE_ID_FIELDS = List.of("trace.id", "trace_id");
    static final List<String> USER_ID_FIELDS = List.of("user.id");
    static final List<String> STACK_FIELDS = List.of("stack_trace", "error.stack_trace");
    /** The attr holding the index name. */
    static final String INDEX_ATTR = "index";
    /** The attr counting fields that did not fit (a name too long, or beyond the attr limit). */
    static final String DROPPED_ATTR = "larch.dropped_fields";
    /** Nesting deeper than this is kept as JSON text in one attr. */
    private static final int MAX_DEPTH = 8;
    /** The syslog severities by number (RFC 5424), for shippers that send the code. */
    private static final List<String> SYSLOG_SEVERITIES = List.of("fatal", "fatal", "fatal", "error", "warn", "info", "info",
            "debug");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private BulkDocumentMapper() {
    }

    /** The event for {@code document} of {@code index} (may be null). */
    public static ObjectNode map(ObjectNode document, String index) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        flatten("", document, fields, 0);
        ObjectNode event = NODES.objectNode();
        take(fields, TIMESTAMP_FIELDS).ifPresent(ts -> event.set("ts", timestamp(ts)));
        Optional<JsonNode> message = take(fields, MESSAGE_FIELDS);
        event.put("message", message.map(BulkDocumentMapper::text)
                .orElseGet(() -> truncate(document.toString(), IngestLimits.MAX_MESSAGE_BYTES)));
        Optional<JsonNode> levelField = peek(fields, LEVEL_FIELDS);
        levelField.flatMap(BulkDocumentMapper::level).ifPresent(level -> {
            event.put("level", level);
            // Known levels are consumed; an unknown spelling stays an attr, where it can still be searched.
            take(fields, LEVEL_FIELDS);
        });
        take(fields, SOURCE_FIELDS).ifPresent(source -> event.put("source", text(source)));
        take(fields, TRACE_ID_FIELDS).ifPresent(id -> event.put("traceId", text(id)));
        take(fields, USER_ID_FIELDS).ifPresent(id -> event.put("userId", text(id)));
        take(fields, STACK_FIELDS).ifPresent(stack -> event.put("stack", text(stack)));
        event.set("attrs", attrs(fields, index));
        return event;
    }

    private static ObjectNode attrs(Map<String, JsonNode> fields, String index) {
        ObjectNode attrs = NODES.objectNode();
        if (index != null) {
            attrs.put(INDEX_ATTR, truncate(index, IngestLimits.MAX_ATTR_VALUE_CHARS));
        }
        // One place is kept for the dropped count.
        int room = IngestLimits.MAX_ATTRS - attrs.size() - 1;
        int dropped = 0;
        for (Map.Entry<String, JsonNode> field : fields.entrySet()) {
            String key = field.getKey();
            if (key.isEmpty() || key.length() > IngestLimits.MAX_ATTR_KEY_CHARS || attrs.has(key) || room == 0) {
                dropped++;
                continue;
            }
            JsonNode value = field.getValue();
            if (value.isNumber() || value.isBoolean()) {
                attrs.set(key, value);
            } else {
                attrs.put(key, truncate(text(value), IngestLimits.MAX_ATTR_VALUE_CHARS));
            }
            room--;
        }
        if (dropped > 0) {
            attrs.put(DROPPED_ATTR, dropped);
        }
        return attrs;
    }

    /** The leaves of {@code object} under dotted names; arrays and too-deep objects stay whole. Nulls are dropped. */
    private static void flatten(String prefix, JsonNode object, Map<String, JsonNode> out, int depth) {
        Iterator<Map.Entry<String, JsonNode>> properties = object.properties().iterator();
        while (properties.hasNext()) {
            Map.Entry<String, JsonNode> property = properties.next();
            String key = prefix + property.getKey();
            JsonNode value = property.getValue();
            if (value.isObject() && depth < MAX_DEPTH && !value.isEmpty()) {
                flatten(key + ".", value, out, depth + 1);
            } else if (!value.isNull()) {
                out.putIfAbsent(key, value);
            }
        }
    }

    /** The first of {@code names} present, removed from {@code fields}. */
    private static Optional<JsonNode> take(Map<String, JsonNode> fields, List<String> names) {
        for (String name : names) {
            JsonNode value = fields.remove(name);
            if (value != null) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private static Optional<JsonNode> peek(Map<String, JsonNode> fields, List<String> names) {
        return names.stream().map(fields::get).filter(java.util.Objects::nonNull).findFirst();
    }

    /** Epoch milliseconds sent as digits (Elasticsearch's epoch_millis format) become a number; the rest is left to the validator. */
    private static JsonNode timestamp(JsonNode value) {
        if (value.isTextual() && !value.textValue().isEmpty() && value.textValue().chars().allMatch(Character::isDigit)
                && value.textValue().length() < 19) {
            return NODES.numberNode(Long.parseLong(value.textValue()));
        }
        return value;
    }

    /** A level name, a syslog severity code (0-7) or a pino/bunyan level (10 trace .. 60 fatal). */
    private static Optional<String> level(JsonNode value) {
        if (value.isIntegralNumber()) {
            int number = value.asInt();
            if (number >= 0 && number < SYSLOG_SEVERITIES.size()) {
                return Optional.of(SYSLOG_SEVERITIES.get(number));
            }
            if (number >= 10 && number <= 60 && number % 10 == 0) {
                return Optional.of(Level.values()[number / 10 - 1].wireName());
            }
            return Optional.empty();
        }
        return Level.parse(value.asText()).map(Level::wireName);
    }

    private static String text(JsonNode value) {
        return value.isValueNode() ? value.asText() : value.toString();
    }

    /** {@code text} cut to at most {@code maxBytes} UTF-8 bytes (and as many chars), on a character boundary. */
    private static String truncate(String text, int maxBytes) {
        if (text.length() <= maxBytes / 4 || text.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return text.length() <= maxBytes ? text : text.substring(0, maxBytes);
        }
        int end = Math.min(text.length(), maxBytes);
        while (end > 0 && text.substring(0, end).getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            end -= Math.max(1, end / 16);
        }
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }
}
