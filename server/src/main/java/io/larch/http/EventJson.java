package io.larch.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.larch.model.EventId;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.model.WorkLogFields;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The client-facing JSON of an event: camelCase names, ISO-8601 times, level names, string ids. */
public final class EventJson {
    private static final JsonFactory LINES = new JsonFactoryBuilder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .rootValueSeparator((String) null).build();

    private EventJson() {
    }

    /**
     * {@code events} as NDJSON: one object each, each line ending in {@code \n}; {@code out} is
     * flushed, not closed. The one NDJSON encoding: routes and the build-log archive both use it.
     */
    public static void writeLines(List<LogEvent> events, OutputStream out) throws IOException {
        try (JsonGenerator json = LINES.createGenerator(out)) {
            for (LogEvent event : events) {
                write(json, event);
                json.writeRaw('\n');
            }
        }
    }

    public static void write(JsonGenerator json, LogEvent e) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", EventId.format(e.id()));
        json.writeStringField("ts", Instant.ofEpochMilli(e.ts()).toString());
        json.writeStringField("receivedAt", Instant.ofEpochMilli(e.receivedAt()).toString());
        json.writeStringField("kind", e.kind().wireName());
        json.writeStringField("level", e.level().wireName());
        json.writeStringField("message", e.message());
        optional(json, "source", e.source());
        optional(json, "stack", e.stack());
        json.writeStringField("fingerprint", e.fingerprint());
        optional(json, "userId", e.userId());
        optional(json, "conversationId", e.conversationId());
        optional(json, "buildId", e.buildId());
        optional(json, "deploymentId", e.deploymentId());
        optional(json, "traceId", e.traceId());
        optional(json, "status", e.status());
        if (e.kind() == Kind.WORK) {
            // One entry may have several events (a tool call working, then done): feeds key on this.
            json.writeStringField("entryId", WorkLogFields.entryId(e));
        }
        json.writeObjectFieldStart("attrs");
        for (Map.Entry<String, String> attr : e.attrs().entrySet()) {
            json.writeStringField(attr.getKey(), attr.getValue());
        }
        json.writeEndObject();
        json.writeEndObject();
    }

    private static void optional(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }
}
