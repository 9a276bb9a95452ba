package io.larch.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An event as a JSON object per line whose field names are the Parquet column names (absent
 * optional fields omitted). The WAL stored events this way before {@link BinaryEventCodec};
 * replay still reads such segments. The field names are the part columns'. Thread-safe.
 */
public final class StoredEventCodec {
    public static final String ID = "id";
    public static final String TS = "ts";
    public static final String RECEIVED_AT = "received_at";
    public static final String PROJECT_ID = "project_id";
    public static final String KIND = "kind";
    public static final String LEVEL = "level";
    public static final String MESSAGE = "message";
    public static final String SOURCE = "source";
    public static final String STACK = "stack";
    public static final String FINGERPRINT = "fingerprint";
    public static final String USER_ID = "user_id";
    public static final String CONVERSATION_ID = "conversation_id";
    public static final String BUILD_ID = "build_id";
    public static final String DEPLOYMENT_ID = "deployment_id";
    public static final String TRACE_ID = "trace_id";
    public static final String STATUS = "status";
    public static final String ATTRS = "attrs";

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private StoredEventCodec() {
    }

    /** Appends one line per event (each ending in '\n') to {@code out}. */
    public static void writeLines(List<LogEvent> events, OutputStream out) throws IOException {
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            for (LogEvent event : events) {
                writeEvent(json, event);
                json.writeRaw('\n');
            }
        }
    }

    public static byte[] encodeLines(List<LogEvent> events) {
        // Sized from the long fields, so the buffer is not grown (and copied) while writing.
        int estimate = 0;
        for (LogEvent event : events) {
            estimate += 240 + event.message().length() + (event.stack() == null ? 0 : event.stack().length())
                    + 32 * event.attrs().size();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(estimate);
        try {
            writeLines(events, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeEvent(JsonGenerator json, LogEvent e) throws IOException {
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

    /** Decodes lines written by {@link #writeLines}. Throws IOException on anything else. */
    public static List<LogEvent> decodeLines(byte[] bytes, int offset, int length) throws IOException {
        List<LogEvent> events = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(bytes, offset, length)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token != JsonToken.START_OBJECT) {
                    throw new IOException("stored event is not a JSON object");
                }
                events.add(readEvent(parser));
            }
        }
        return events;
    }

    private static LogEvent readEvent(JsonParser p) throws IOException {
        long id = 0, ts = 0, receivedAt = 0, projectId = 0;
        Kind kind = null;
        Level level = null;
        String message = null, source = null, stack = null, fingerprint = null, userId = null,
                conversationId = null, buildId = null, deploymentId = null, traceId = null, status = null;
        Map<String, String> attrs = Map.of();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case ID -> id = p.getLongValue();
                case TS -> ts = p.getLongValue();
                case RECEIVED_AT -> receivedAt = p.getLongValue();
                case PROJECT_ID -> projectId = p.getLongValue();
                case KIND -> kind = Kind.parse(p.getText()).orElseThrow(() -> new IOException("bad stored kind"));
                case LEVEL -> level = Level.ofSeverity(p.getIntValue());
                case MESSAGE -> message = p.getText();
                case SOURCE -> source = p.getText();
                case STACK -> stack = p.getText();
                case FINGERPRINT -> fingerprint = p.getText();
                case USER_ID -> userId = p.getText();
                case CONVERSATION_ID -> conversationId = p.getText();
                case BUILD_ID -> buildId = p.getText();
                case DEPLOYMENT_ID -> deploymentId = p.getText();
                case TRACE_ID -> traceId = p.getText();
                case STATUS -> status = p.getText();
                case ATTRS -> attrs = readAttrs(p);
                default -> p.skipChildren();
            }
        }
        try {
            return new LogEvent(id, ts, receivedAt, projectId, kind, level, message, source, stack, fingerprint,
                    userId, conversationId, buildId, deploymentId, traceId, status, attrs);
        } catch (IllegalArgumentException e) {
            throw new IOException("stored event is incomplete: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> readAttrs(JsonParser p) throws IOException {
        Map<String, String> attrs = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            attrs.put(key, p.getText());
        }
        return attrs;
    }
}
