package io.larch.wal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The WAL's first payload format: one JSON object per event and line, named by the fields below
 * (absent optional fields omitted). The WAL has written {@link BinaryEventCodec} since; replay
 * still reads segments of JSON lines, so these names are frozen with the format. Thread-safe.
 */
final class JsonLinesEventCodec {
    static final String ID = "id";
    static final String TS = "ts";
    static final String RECEIVED_AT = "received_at";
    static final String PROJECT_ID = "project_id";
    static final String KIND = "kind";
    static final String LEVEL = "level";
    static final String MESSAGE = "message";
    static final String SOURCE = "source";
    static final String STACK = "stack";
    static final String FINGERPRINT = "fingerprint";
    static final String USER_ID = "user_id";
    static final String CONVERSATION_ID = "conversation_id";
    static final String BUILD_ID = "build_id";
    static final String DEPLOYMENT_ID = "deployment_id";
    static final String TRACE_ID = "trace_id";
    static final String STATUS = "status";
    static final String ATTRS = "attrs";

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private JsonLinesEventCodec() {
    }

    /** Decodes JSON lines of stored events. Throws IOException on anything else. */
    static List<LogEvent> decodeLines(byte[] bytes, int offset, int length) throws IOException {
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
