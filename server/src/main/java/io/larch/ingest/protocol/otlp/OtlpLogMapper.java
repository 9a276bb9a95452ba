package io.larch.ingest.protocol.otlp;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.larch.ingest.IngestLimits;
import io.larch.model.Level;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps each OTLP log record onto one Larch event:
 * <ul>
 * <li>body (a string, else its JSON text) to message; an empty body falls back to the event name;
 * <li>severity number (1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal),
 *     else severity text, to level; info when neither says;
 * <li>time, else observed time, to ts (neither: Larch's receive time);
 * <li>record, scope and resource attributes to attrs, in that order of precedence on a clash, with
 *     the scope's name and version as {@code otel.scope.name} and {@code otel.scope.version};
 * <li>{@code service.name} to source, {@code exception.stacktrace} to stack, {@code enduser.id}
 *     (else {@code user.id}) to userId, the trace id to traceId and the span id to attrs.spanId
 *     (both lowercase hex).
 * </ul>
 * Larch's attr limits are met here rather than refusing the record: attributes past
 * {@link IngestLimits#MAX_ATTRS} (the record's own are kept first) and those with over-long keys
 * are dropped and counted; over-long values are shortened.
 */
final class OtlpLogMapper {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final HexFormat HEX = HexFormat.of();
    static final String SPAN_ID_ATTR = "spanId";
    static final String SCOPE_NAME_ATTR = "otel.scope.name";
    static final String SCOPE_VERSION_ATTR = "otel.scope.version";
    /** Said when a record has no body and no event name: Larch events always have a message. */
    static final String EMPTY_BODY_MESSAGE = "(empty log record)";

    private int droppedAttributes;

    private OtlpLogMapper() {
    }

    static OtlpLogBatch map(ExportLogsServiceRequest request) {
        OtlpLogMapper mapper = new OtlpLogMapper();
        List<ObjectNode> events = new ArrayList<>();
        for (ResourceLogs resourceLogs : request.getResourceLogsList()) {
            Map<String, Object> resourceAttrs = new LinkedHashMap<>();
            OtlpAttributes.flattenInto(resourceLogs.getResource().getAttributesList(), resourceAttrs);
            for (ScopeLogs scopeLogs : resourceLogs.getScopeLogsList()) {
                Map<String, Object> scopeAttrs = scopeAttrs(scopeLogs.getScope());
                for (LogRecord record : scopeLogs.getLogRecordsList()) {
                    events.add(mapper.event(record, scopeAttrs, resourceAttrs));
                }
            }
        }
        return new OtlpLogBatch(events, mapper.droppedAttributes);
    }

    private static Map<String, Object> scopeAttrs(InstrumentationScope scope) {
        Map<String, Object> attrs = new LinkedHashMap<>();
        OtlpAttributes.flattenInto(scope.getAttributesList(), attrs);
        if (!scope.getName().isEmpty()) {
            attrs.putIfAbsent(SCOPE_NAME_ATTR, scope.getName());
        }
        if (!scope.getVersion().isEmpty()) {
            attrs.putIfAbsent(SCOPE_VERSION_ATTR, scope.getVersion());
        }
        return attrs;
    }

    private ObjectNode event(LogRecord record, Map<String, Object> scopeAttrs, Map<String, Object> resourceAttrs) {
        // putIfAbsent in order of precedence: the record's own attributes, then the scope's, then the resource's.
        Map<String, Object> attrs = new LinkedHashMap<>();
        String spanId = hexId(record.getSpanId());
        if (spanId != null) {
            attrs.put(SPAN_ID_ATTR, spanId);
        }
        OtlpAttributes.flattenInto(record.getAttributesList(), attrs);
        scopeAttrs.forEach(attrs::putIfAbsent);
        resourceAttrs.forEach(attrs::putIfAbsent);

        ObjectNode event = NODES.objectNode();
        long nanos = record.getTimeUnixNano() != 0 ? record.getTimeUnixNano() : record.getObservedTimeUnixNano();
        if (nanos != 0) {
            event.put("ts", Long.divideUnsigned(nanos, 1_000_000));
        }
        event.put("level", level(record).wireName());
        event.put("message", message(record));
        putText(event, "source", attrs.remove("service.name"));
        putText(event, "stack", attrs.remove("exception.stacktrace"));
        Object userId = attrs.remove("enduser.id");
        putText(event, "userId", userId != null ? userId : attrs.remove("user.id"));
        String traceId = hexId(record.getTraceId());
        if (traceId != null) {
            event.put("traceId", traceId);
        }
        if (record.getSeverityNumberValue() == 0 && !record.getSeverityText().isEmpty()
                && Level.parse(record.getSeverityText()).isEmpty()) {
            // A severity Larch cannot name (e.g. "AUDIT") is kept so it can still be searched.
            attrs.putIfAbsent("severityText", record.getSeverityText());
        }
        event.set("attrs", withinLimits(attrs));
        return event;
    }

    static Level level(LogRecord record) {
        int number = record.getSeverityNumberValue();
        if (number >= 1 && number <= 24) {
            return Level.ofSeverity((number - 1) / 4);
        }
        return Level.parse(record.getSeverityText()).orElse(Level.INFO);
    }

    private static String message(LogRecord record) {
        String body = OtlpAttributes.bodyText(record.getBody());
        if (body != null && !body.isBlank()) {
            return body;
        }
        return record.getEventName().isBlank() ? EMPTY_BODY_MESSAGE : record.getEventName();
    }

    /** Lowercase hex of a trace or span id; null when absent or all zeros (OTLP's "no id"). */
    private static String hexId(ByteString id) {
        if (id.isEmpty()) {
            return null;
        }
        for (int i = 0; i < id.size(); i++) {
            if (id.byteAt(i) != 0) {
                return HEX.formatHex(id.toByteArray());
            }
        }
        return null;
    }

    private static void putText(ObjectNode event, String field, Object value) {
        if (value != null) {
            event.put(field, value.toString());
        }
    }

    private ObjectNode withinLimits(Map<String, Object> attrs) {
        ObjectNode out = NODES.objectNode();
        for (Map.Entry<String, Object> attr : attrs.entrySet()) {
            String key = attr.getKey();
            if (key.isEmpty() || key.length() > IngestLimits.MAX_ATTR_KEY_CHARS || out.size() == IngestLimits.MAX_ATTRS) {
                droppedAttributes++;
                continue;
            }
            switch (attr.getValue()) {
                case String text -> out.put(key, shorten(text));
                case Long number -> out.put(key, number);
                case Double number -> out.put(key, number);
                case Boolean flag -> out.put(key, flag);
                default -> out.put(key, shorten(attr.getValue().toString()));
            }
        }
        return out;
    }

    /** At most {@link IngestLimits#MAX_ATTR_VALUE_CHARS} characters, never cutting a surrogate pair in two. */
    private static String shorten(String text) {
        if (text.length() <= IngestLimits.MAX_ATTR_VALUE_CHARS) {
            return text;
        }
        int end = IngestLimits.MAX_ATTR_VALUE_CHARS;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }
}
