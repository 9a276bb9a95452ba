package io.larch.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
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

    /** Decodes JSON lines of stored events. Throws IOException on anything else. */
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
