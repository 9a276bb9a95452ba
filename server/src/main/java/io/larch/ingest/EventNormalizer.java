package io.larch.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.security.Redactor;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates one client event and turns it into a {@link LogEvent}. Problems are added to the
 * error list (all of them, not just the first) and null is returned.
 *
 * <p>Friendly to existing loggers: {@code timestamp}, {@code @timestamp} and {@code time} are read
 * as {@code ts}, {@code msg} as {@code message}, {@code severity} as {@code level}, snake_case
 * ids ({@code user_id}) as their camelCase names. Any other top-level field is kept as an attr;
 * nested objects are flattened with dots ({@code {"http":{"status":500}}} becomes
 * {@code attrs["http.status"] = "500"}).
 */
final class EventNormalizer {
    private static final int MAX_FLATTEN_DEPTH = 8;

    private final Fingerprinter fingerprinter;
    private final FingerprintMerges merges;
    private final ValueInterner interner = new ValueInterner();

    EventNormalizer(Fingerprinter fingerprinter, FingerprintMerges merges) {
        this.fingerprinter = fingerprinter;
        this.merges = merges;
    }

    /** Context of one batch: who, when, its redaction (null: off), and where errors go. */
    record Batch(long projectId, long receivedAt, Redactor redactor, List<EventError> errors) {
    }

    LogEvent normalize(JsonNode node, int index, long id, Batch batch) {
        if (!node.isObject()) {
            batch.errors().add(new EventError(index, null, "event must be a JSON object, got " + describe(node)));
            return null;
        }
        Reader reader = new Reader(node, index, batch.errors());
        String message = reader.text("message", IngestLimits.MAX_MESSAGE_BYTES, true, "msg");
        if (message != null && message.isBlank()) {
            reader.error("message", "message is empty");
        }
        Level level = reader.level();
        Kind kind = reader.kind();
        long ts = reader.timestamp(batch.receivedAt());
        String source = reader.text("source", IngestLimits.MAX_ID_CHARS, false);
        String stack = reader.text("stack", IngestLimits.MAX_STACK_BYTES, false);
        String fingerprint = reader.text("fingerprint", IngestLimits.MAX_ID_CHARS, false);
        String userId = reader.id("userId", "user_id");
        String conversationId = reader.id("conversationId", "conversation_id");
        String buildId = reader.id("buildId", "build_id");
        String deploymentId = reader.id("deploymentId", "deployment_id");
        String traceId = reader.id("traceId", "trace_id");
        String status = reader.id("status");
        Map<String, String> attrs = reader.attrs();
        if (reader.failed) {
            return null;
        }
        Redactor redactor = batch.redactor();
        if (redactor != null) {
            // Before the fingerprint, so a secret never becomes part of a template either.
            message = redactor.redact(message);
            stack = redactor.redact(stack);
            attrs.replaceAll(redactor::redactAttribute);
        }
        if (fingerprint == null || fingerprint.isBlank()) {
            fingerprint = fingerprinter.fingerprint(batch.projectId(), source, message, stack);
        }
        // A merge rule applies to a client-supplied fingerprint too: the admin merged the group.
        fingerprint = merges.resolve(batch.projectId(), fingerprint);
        return new LogEvent(id, ts, batch.receivedAt(), batch.projectId(), kind, level, message, interner.intern(source),
                stack, interner.intern(fingerprint), userId, conversationId, buildId, deploymentId, traceId, status, attrs);
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "an object";
        };
    }

    /** Reads fields of one event node, remembering which were consumed so the rest become attrs. */
    private static final class Reader {
        private static final java.util.Set<String> KNOWN = java.util.Set.of("ts", "timestamp", "@timestamp", "time",
                "message", "msg", "level", "severity", "kind", "source", "stack", "fingerprint", "userId", "user_id",
                "conversationId", "conversation_id", "buildId", "build_id", "deploymentId", "deployment_id", "traceId",
                "trace_id", "status", "attrs");
        private final JsonNode node;
        private final int index;
        private final List<EventError> errors;
        boolean failed;

        Reader(JsonNode node, int index, List<EventError> errors) {
            this.node = node;
            this.index = index;
            this.errors = errors;
        }

        void error(String field, String reason) {
            errors.add(new EventError(index, field, reason));
            failed = true;
        }

        /** The first present, non-null field among {@code name} and its aliases, or null. */
        private Field find(String name, String... aliases) {
            JsonNode value = node.get(name);
            if (value != null && !value.isNull()) {
                return new Field(name, value);
            }
            for (String alias : aliases) {
                value = node.get(alias);
                if (value != null && !value.isNull()) {
                    return new Field(alias, value);
                }
            }
            return null;
        }

        private record Field(String name, JsonNode value) {
        }

        String text(String name, int maxBytes, boolean required, String... aliases) {
            Field field = find(name, aliases);
            if (field == null) {
                if (required) {
                    error(name, name + " is required");
                }
                return null;
            }
            if (!field.value.isTextual()) {
                error(field.name, field.name + " must be a string, got " + describe(field.value));
                return null;
            }
            String text = field.value.textValue();
            if (text.length() > maxBytes / 4 && text.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
                error(field.name, field.name + " is longer than " + (maxBytes / 1024) + " KB");
                return null;
            }
            return text;
        }

        /** An identifier: a string or a number (numeric user ids are common), kept as text. */
        String id(String name, String... aliases) {
            Field field = find(name, aliases);
            if (field == null) {
                return null;
            }
            if (!field.value.isTextual() && !field.value.isIntegralNumber()) {
                error(field.name, field.name + " must be a string or an integer, got " + describe(field.value));
                return null;
            }
            String text = field.value.asText();
            if (text.length() > IngestLimits.MAX_ID_CHARS) {
                error(field.name, field.name + " is longer than " + IngestLimits.MAX_ID_CHARS + " characters");
                return null;
            }
            return text.isEmpty() ? null : text;
        }

        Level level() {
            Field field = find("level", "severity");
            if (field == null) {
                return Level.INFO;
            }
            if (!field.value.isTextual()) {
                error(field.name, field.name + " must be a string like \"error\", got " + describe(field.value));
                return null;
            }
            return Level.parse(field.value.textValue()).orElseGet(() -> {
                error(field.name, "unknown level '" + field.value.textValue() + "'; use one of " + Level.names());
                return null;
            });
        }

        Kind kind() {
            Field field = find("kind");
            if (field == null) {
                return Kind.APP;
            }
            if (!field.value.isTextual()) {
                error("kind", "kind must be a string, got " + describe(field.value));
                return null;
            }
            return Kind.parse(field.value.textValue()).orElseGet(() -> {
                error("kind", "unknown kind '" + field.value.textValue() + "'; use one of " + Kind.names());
                return null;
            });
        }

        long timestamp(long receivedAt) {
            Field field = find("ts", "timestamp", "@timestamp", "time");
            if (field == null) {
                return receivedAt;
            }
            long millis;
            if (field.value.isNumber()) {
                millis = epochToMillis(field.value.doubleValue());
            } else if (field.value.isTextual()) {
                Long parsed = parseIso(field.value.textValue().trim());
                if (parsed == null) {
                    error(field.name, field.name + " '" + field.value.textValue()
                            + "' is not ISO-8601 (like 2026-11-22T10:15:30.123Z) or epoch milliseconds");
                    return 0;
                }
                millis = parsed;
            } else {
                error(field.name, field.name + " must be an ISO-8601 string or epoch milliseconds, got "
                        + describe(field.value));
                return 0;
            }
            if (millis < 0) {
                error(field.name, field.name + " is before 1970");
            } else if (millis > receivedAt + IngestLimits.MAX_FUTURE_MILLIS) {
                error(field.name, field.name + " is more than 24 hours in the future; check the sender's clock and units");
            }
            return millis;
        }

        /**
         * Epoch numbers are read by magnitude: seconds (up to 1e11, i.e. until year 5138), then
         * milliseconds, microseconds, nanoseconds. Senders disagree on units; this reads them all.
         */
        private static long epochToMillis(double value) {
            double abs = Math.abs(value);
            if (abs < 1e11) {
                return Math.round(value * 1000);
            } else if (abs < 1e14) {
                return Math.round(value);
            } else if (abs < 1e17) {
                return Math.round(value / 1000);
            }
            return Math.round(value / 1_000_000);
        }

        private static Long parseIso(String text) {
            if (text.matches("\\d{10,19}(\\.\\d+)?")) {
                return epochToMillis(Double.parseDouble(text));
            }
            String normalized = text.replace(' ', 'T');
            try {
                return OffsetDateTime.parse(normalized).toInstant().toEpochMilli();
            } catch (DateTimeParseException ignored) {
                // no offset: read as UTC below
            } catch (ArithmeticException beyondEpochMillis) {
                return yearsBeyondRange(normalized);
            }
            try {
                return LocalDateTime.parse(normalized).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (DateTimeParseException e) {
                return null;
            } catch (ArithmeticException beyondEpochMillis) {
                return yearsBeyondRange(normalized);
            }
        }

        /** A date too far from 1970 for epoch milliseconds: before 1970 or in the future, as its sign says. */
        private static long yearsBeyondRange(String text) {
            return text.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }

        Map<String, String> attrs() {
            Map<String, String> attrs = new LinkedHashMap<>();
            JsonNode explicit = node.get("attrs");
            if (explicit != null && !explicit.isNull()) {
                if (!explicit.isObject()) {
                    error("attrs", "attrs must be an object of key-value pairs, got " + describe(explicit));
                } else {
                    flatten("", explicit, attrs, 0);
                }
            }
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!KNOWN.contains(field.getKey()) && !attrs.containsKey(field.getKey())) {
                    flattenValue(field.getKey(), field.getValue(), attrs, 0);
                }
            }
            if (attrs.size() > IngestLimits.MAX_ATTRS) {
                error("attrs", "event has " + attrs.size() + " attrs; the limit is " + IngestLimits.MAX_ATTRS);
            }
            return attrs;
        }

        private void flatten(String prefix, JsonNode object, Map<String, String> out, int depth) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                flattenValue(prefix + field.getKey(), field.getValue(), out, depth);
            }
        }

        private void flattenValue(String key, JsonNode value, Map<String, String> out, int depth) {
            if (value.isNull()) {
                return;
            }
            if (key.isEmpty() || key.length() > IngestLimits.MAX_ATTR_KEY_CHARS) {
                error("attrs", "attr name '" + abbreviate(key) + "' must have 1 to " + IngestLimits.MAX_ATTR_KEY_CHARS
                        + " characters");
                return;
            }
            if (value.isObject()) {
                if (depth >= MAX_FLATTEN_DEPTH) {
                    error("attrs", "attr '" + abbreviate(key) + "' is nested more than " + MAX_FLATTEN_DEPTH + " levels");
                    return;
                }
                flatten(key + ".", value, out, depth + 1);
                return;
            }
            String text = value.isValueNode() ? value.asText() : value.toString();
            if (text.length() > IngestLimits.MAX_ATTR_VALUE_CHARS) {
                error("attrs", "attr '" + abbreviate(key) + "' is longer than " + IngestLimits.MAX_ATTR_VALUE_CHARS
                        + " characters");
                return;
            }
            out.putIfAbsent(key, text);
        }

        private static String abbreviate(String text) {
            return text.length() <= 40 ? text : text.substring(0, 40) + "...";
        }
    }
}
