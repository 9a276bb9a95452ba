package io.larch.testing;

import static io.larch.part.PartColumns.*;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.larch.model.LogEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Writes events as the JSON lines that WAL segments held before they were binary (and that
 * DuckDB's {@code read_json} takes): what {@code io.larch.wal.JsonLinesEventCodec.decodeLines}
 * reads. Larch itself no longer writes them.
 */
public final class JsonLines {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private JsonLines() {
    }

    public static byte[] encode(List<LogEvent> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            for (LogEvent event : events) {
                write(json, event);
                json.writeRaw('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator json, LogEvent e) throws IOException {
        json.writeStartObject();
        json.writeNumberField(ID, e.id());
        json.writeNumberField(TS, e.ts());
        json.writeNumberField(RECEIVED_AT, e.receivedAt());
        json.writeNumberField(PROJECT_ID, e.projectId());
        json.writeStringField(KIND, e.kind().wireName());
        json.writeNumberField(LEVEL, e.level().severity());
        json.writeStringField(MESSAGE, e.message());
        writeOptional(json, SOURCE, e.source());
        writeOptional(json, STACK, e.stack());
        json.writeStringField(FINGERPRINT, e.fingerprint());
        writeOptional(json, USER_ID, e.userId());
        writeOptional(json, CONVERSATION_ID, e.conversationId());
        writeOptional(json, BUILD_ID, e.buildId());
        writeOptional(json, DEPLOYMENT_ID, e.deploymentId());
        writeOptional(json, TRACE_ID, e.traceId());
        writeOptional(json, STATUS, e.status());
        if (!e.attrs().isEmpty()) {
            json.writeObjectFieldStart(ATTRS);
            for (Map.Entry<String, String> attr : e.attrs().entrySet()) {
                json.writeStringField(attr.getKey(), attr.getValue());
            }
            json.writeEndObject();
        }
        json.writeEndObject();
    }

    private static void writeOptional(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }
}
