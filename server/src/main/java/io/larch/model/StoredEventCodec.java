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
 * The one storage spelling of an event: a JSON object per line whose field names are the Parquet
 * column names. The WAL stores it, the sealer hands it to DuckDB's {@code read_json}, replay reads
 * it back. Absent optional fields are omitted. Thread-safe.
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

    private static final byte[] PROJECT_ID_FIELD = fieldPrefix(PROJECT_ID);
    private static final byte[] ID_FIELD = fieldPrefix(ID);
    private static final byte[] TS_FIELD = fieldPrefix(TS);

    private static byte[] fieldPrefix(String field) {
        return ("\"" + field + "\":").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * The project id of the stored event on {@code bytes[start, end)} without decoding the line
     * ({@link #writeLines} puts the field near the start). -1 when the line has none.
     */
    public static long projectIdOf(byte[] bytes, int start, int end) {
        return numberOf(bytes, start, end, PROJECT_ID_FIELD, -1);
    }

    /** The event id of the stored event on {@code bytes[start, end)}, like {@link #projectIdOf}; -1 when none. */
    public static long idOf(byte[] bytes, int start, int end) {
        return numberOf(bytes, start, end, ID_FIELD, -1);
    }

    /** The time of the stored event on {@code bytes[start, end)}, like {@link #projectIdOf}; {@code Long.MIN_VALUE} when none. */
    public static long tsOf(byte[] bytes, int start, int end) {
        return numberOf(bytes, start, end, TS_FIELD, Long.MIN_VALUE);
    }

    /**
     * The integer after the first {@code "field":} on the line. Inside string values quotes are
     * escaped, so the first match is the field itself.
     */
    private static long numberOf(byte[] bytes, int start, int end, byte[] field, long missing) {
        int last = end - field.length;
        outer:
        for (int i = start; i <= last; i++) {
            for (int k = 0; k < field.length; k++) {
                if (bytes[i + k] != field[k]) {
                    continue outer;
                }
            }
            int j = i + field.length;
            boolean negative = j < end && bytes[j] == '-';
            if (negative) {
                j++;
            }
            long value = 0;
            int digits = 0;
            for (; j < end && bytes[j] >= '0' && bytes[j] <= '9'; j++) {
                value = value * 10 + (bytes[j] - '0');
                digits++;
            }
            return digits == 0 ? missing : negative ? -value : value;
        }
        return missing;
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
