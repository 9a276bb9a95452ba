package io.larch.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.event.KeyValuePair;

/**
 * Turns a Logback event into one Larch event as a line of JSON (the NDJSON body of
 * {@code POST /api/log}, and a line of a spool segment). Every field is cut to Larch's limits
 * here, because one invalid event makes the server refuse the whole batch.
 *
 * <p>Mapping: level, formatted message, timestamp (epoch ms) -> {@code ts}, throwable ->
 * {@code stack}, logger -> {@code attrs.logger}, thread -> {@code attrs.thread}, MDC and SLF4J
 * key-value pairs -> attrs, except the MDC keys {@code userId}, {@code traceId} and
 * {@code conversationId}, which become the event's ids.
 */
final class EventEncoder {
    static final int MAX_MESSAGE_BYTES = 32 * 1024;
    static final int MAX_STACK_BYTES = 64 * 1024;
    static final int MAX_ID_CHARS = 256;
    static final int MAX_ATTRS = 100;
    static final int MAX_ATTR_KEY_CHARS = 128;
    static final int MAX_ATTR_VALUE_CHARS = 4096;
    /** All attrs of one event together, in JSON characters (Larch allows more; a request body does not). */
    static final int MAX_ATTRS_CHARS = 64 * 1024;
    /** MDC keys that are Larch event ids rather than attributes. */
    static final List<String> ID_KEYS = List.of("userId", "traceId", "conversationId");

    private final String source;
    private final String kind;
    private final boolean includeMdc;

    /** @param source the event's {@code source}, or null; @param kind its {@code kind}, or null for {@code app} */
    EventEncoder(String source, String kind, boolean includeMdc) {
        this.source = blankToNull(source);
        this.kind = blankToNull(kind);
        this.includeMdc = includeMdc;
    }

    /** Larch's name of a Logback level ({@code ERROR} -> {@code error}). */
    static String levelOf(ILoggingEvent event) {
        return event.getLevel().toString().toLowerCase(Locale.ROOT);
    }

    String encode(ILoggingEvent event) {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"ts\":").append(event.getTimeStamp());
        json.append(",\"level\":");
        JsonText.appendString(json, levelOf(event));
        String message = event.getFormattedMessage();
        json.append(",\"message\":");
        JsonText.appendString(json, JsonText.truncateUtf8(message == null || message.isEmpty() ? "(empty)" : message,
                MAX_MESSAGE_BYTES));
        field(json, "source", source);
        field(json, "kind", kind);
        IThrowableProxy throwable = event.getThrowableProxy();
        if (throwable != null) {
            field(json, "stack", JsonText.truncateUtf8(ThrowableProxyUtil.asString(throwable), MAX_STACK_BYTES));
        }
        Map<String, String> mdc = mdcOf(event);
        if (mdc != null) {
            for (String idKey : ID_KEYS) {
                String id = mdc.get(idKey);
                if (id != null && !id.isBlank()) {
                    field(json, idKey, JsonText.truncateChars(id, MAX_ID_CHARS));
                }
            }
        }
        json.append(",\"attrs\":{");
        Attrs attrs = new Attrs(json);
        attrs.put("logger", event.getLoggerName());
        attrs.put("thread", event.getThreadName());
        if (includeMdc && mdc != null) {
            for (Map.Entry<String, String> entry : mdc.entrySet()) {
                if (!ID_KEYS.contains(entry.getKey())) {
                    attrs.put(entry.getKey(), entry.getValue());
                }
            }
        }
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        if (pairs != null) {
            for (KeyValuePair pair : pairs) {
                attrs.put(pair.key, pair.value == null ? null : String.valueOf(pair.value));
            }
        }
        json.append("}}");
        return json.toString();
    }

    /** An event the appender writes itself (not from a Logback event), e.g. the overflow appender's switch notices. */
    String encodeNotice(long epochMillis, String level, String message, String logger) {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"ts\":").append(epochMillis).append(",\"level\":");
        JsonText.appendString(json, level);
        json.append(",\"message\":");
        JsonText.appendString(json, JsonText.truncateUtf8(message, MAX_MESSAGE_BYTES));
        field(json, "source", source);
        field(json, "kind", kind);
        json.append(",\"attrs\":{");
        new Attrs(json).put("logger", logger);
        json.append("}}");
        return json.toString();
    }

    private static void field(StringBuilder json, String name, String value) {
        if (value != null) {
            json.append(",\"").append(name).append("\":");
            JsonText.appendString(json, value);
        }
    }

    /**
     * The event's MDC, or null: a LoggerContext made by hand (not as SLF4J's provider) has no MDC
     * adapter, and Logback then throws rather than answering empty.
     */
    private static Map<String, String> mdcOf(ILoggingEvent event) {
        try {
            return event.getMDCPropertyMap();
        } catch (NullPointerException noMdcAdapter) {
            return null;
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    /**
     * The attrs object being written: at most {@link #MAX_ATTRS}, keys and values cut to Larch's
     * limits, the first value of a key kept, and at most {@link #MAX_ATTRS_CHARS} in all so that
     * one event always fits in a request body.
     */
    private static final class Attrs {
        private final StringBuilder json;
        private final int start;
        private final java.util.Set<String> keys = new java.util.HashSet<>();
        private int count;

        Attrs(StringBuilder json) {
            this.json = json;
            this.start = json.length();
        }

        void put(String key, String value) {
            if (key == null || key.isBlank() || value == null || count >= MAX_ATTRS
                    || json.length() - start > MAX_ATTRS_CHARS) {
                return;
            }
            String cutKey = JsonText.truncateChars(key, MAX_ATTR_KEY_CHARS);
            if (!keys.add(cutKey)) {
                return;
            }
            if (count > 0) {
                json.append(',');
            }
            JsonText.appendString(json, cutKey);
            json.append(':');
            JsonText.appendString(json, JsonText.truncateChars(value, MAX_ATTR_VALUE_CHARS));
            count++;
        }
    }
}
