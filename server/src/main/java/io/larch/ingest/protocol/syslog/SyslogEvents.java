package io.larch.ingest.protocol.syslog;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.ingest.IngestLimits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Maps a parsed syslog message onto a Larch event: severity to level (0-2 fatal, 3 error, 4 warn,
 * 5-6 info, 7 debug; a message without PRI is info), APP-NAME or the RFC 3164 TAG to source,
 * and into attrs: {@code facility} (its name: kern, user, ..., local7), {@code host},
 * {@code procId}, {@code msgId}, {@code syslogFormat} and each structured-data param as
 * {@code sdid.param}. The Larch key in {@code [larch@32473 key="..."]} chooses the project and is
 * never stored. Pure.
 */
public final class SyslogEvents {
    /** The SD-ID that carries a project key (32473 is the private enterprise number RFC 5612 reserves for examples). */
    public static final String LARCH_SD_ID = "larch@32473";
    public static final String KEY_PARAM = "key";
    private static final String[] FACILITIES = {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
            "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
            "local3", "local4", "local5", "local6", "local7"};
    /** Attrs an event may carry, minus those the mapping itself sets. */
    private static final int MAX_SD_ATTRS = IngestLimits.MAX_ATTRS - 8;
    /** Room under the event's message limit for the UTF-8 of a cut message. */
    private static final int MAX_MESSAGE_BYTES = IngestLimits.MAX_MESSAGE_BYTES - 16;

    private SyslogEvents() {
    }

    /** The project key the message carries in its structured data, or null. */
    public static String projectKey(SyslogMessage message) {
        for (SyslogMessage.Element element : message.structuredData()) {
            if (element.id().equals(LARCH_SD_ID)) {
                for (SyslogMessage.Param param : element.params()) {
                    if (param.name().equals(KEY_PARAM)) {
                        return param.value();
                    }
                }
            }
        }
        return null;
    }

    /**
     * The event for {@code message}; {@code truncated} when the transport cut it. A timestamp more
     * than a day ahead of {@code now} (which ingest would refuse) is kept in
     * {@code attrs.syslogTimestamp} and the event takes the receive time.
     */
    public static ObjectNode event(SyslogMessage message, boolean truncated, Instant now) {
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        ObjectNode attrs = JsonNodeFactory.instance.objectNode();
        if (message.timestamp() != null) {
            if (message.timestamp().isAfter(now.plusMillis(IngestLimits.MAX_FUTURE_MILLIS))) {
                attrs.put("syslogTimestamp", message.timestamp().toString());
            } else {
                event.put("ts", message.timestamp().toString());
            }
        }
        event.put("level", level(message.severity()));
        String text = message.message();
        if (text.length() > MAX_MESSAGE_BYTES / 4 && text.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
            text = cut(text, MAX_MESSAGE_BYTES);
            truncated = true;
        }
        event.put("message", text.isEmpty() ? "(empty syslog message)" : text);
        if (message.appName() != null) {
            event.put("source", limit(message.appName(), IngestLimits.MAX_ID_CHARS));
        }
        if (message.facility() >= 0 && message.facility() < FACILITIES.length) {
            attrs.put("facility", FACILITIES[message.facility()]);
        }
        putIfPresent(attrs, "host", message.hostname());
        putIfPresent(attrs, "procId", message.procId());
        putIfPresent(attrs, "msgId", message.msgId());
        attrs.put("syslogFormat", message.format().name().toLowerCase(java.util.Locale.ROOT));
        if (truncated) {
            attrs.put("truncated", true);
        }
        int sdAttrs = 0;
        for (SyslogMessage.Element element : message.structuredData()) {
            for (SyslogMessage.Param param : element.params()) {
                if (element.id().equals(LARCH_SD_ID) && param.name().equals(KEY_PARAM)) {
                    continue;
                }
                if (sdAttrs++ >= MAX_SD_ATTRS) {
                    break;
                }
                attrs.put(limit(element.id() + "." + param.name(), IngestLimits.MAX_ATTR_KEY_CHARS),
                        limit(param.value(), IngestLimits.MAX_ATTR_VALUE_CHARS));
            }
        }
        event.set("attrs", attrs);
        return event;
    }

    /** The Larch level of a syslog severity. */
    static String level(int severity) {
        return switch (severity) {
            case 0, 1, 2 -> "fatal";
            case 3 -> "error";
            case 4 -> "warn";
            case 7 -> "debug";
            default -> "info";
        };
    }

    private static void putIfPresent(ObjectNode attrs, String name, String value) {
        if (value != null) {
            attrs.put(name, limit(value, IngestLimits.MAX_ATTR_VALUE_CHARS));
        }
    }

    private static String limit(String text, int maxChars) {
        return text.length() <= maxChars ? text : text.substring(0, maxChars);
    }

    /** The longest start of {@code text} within {@code maxBytes} of UTF-8, not splitting a surrogate pair. */
    private static String cut(String text, int maxBytes) {
        int bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int codePoint = text.codePointAt(end);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(codePoint);
        }
        return text.substring(0, end);
    }
}
