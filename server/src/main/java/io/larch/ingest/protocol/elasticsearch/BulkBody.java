package io.larch.ingest.protocol.elasticsearch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the body of {@code POST /_bulk}: NDJSON lines, an action line ({@code {"index":{...}}},
 * {@code create}, {@code update} or {@code delete}) followed by a document line except for
 * delete. Blank lines are skipped (rsyslog ends its batches with two newlines) and the final
 * newline Elasticsearch insists on is optional.
 * A broken action line fails the whole body (the pairing after it cannot be trusted, so
 * Elasticsearch refuses it too); a broken document line fails only its own action.
 */
public final class BulkBody {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ACTIONS = List.of("create", "delete", "index", "update");

    private BulkBody() {
    }

    /** The actions of {@code body}, in order; {@code defaultIndex} (from the URL, may be null) where an action names none. */
    public static List<BulkAction> parse(byte[] body, String defaultIndex) {
        List<String> lines = nonBlankLines(new String(body, StandardCharsets.UTF_8));
        List<BulkAction> actions = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            int actionLine = i + 1;
            ObjectNode action = actionLine(lines.get(i), actionLine);
            Map.Entry<String, JsonNode> entry = action.properties().iterator().next();
            String type = entry.getKey();
            JsonNode metadata = entry.getValue();
            if (!metadata.isObject()) {
                throw new BulkFormatException("Malformed action/metadata line [" + actionLine + "], expected an object"
                        + " after [" + type + "] but found a " + metadata.getNodeType().name().toLowerCase());
            }
            String index = text(metadata, "_index", defaultIndex);
            String id = text(metadata, "_id", null);
            i++;
            if (type.equals("delete")) {
                actions.add(new BulkAction(type, index, id, null, null));
                continue;
            }
            if (i >= lines.size()) {
                throw new BulkFormatException("the action on line [" + actionLine + "] has no document line after it;"
                        + " send each " + type + " action followed by its document on the next line");
            }
            String documentLine = lines.get(i);
            i++;
            if (type.equals("update")) {
                actions.add(new BulkAction(type, index, id, null, null));
                continue;
            }
            try {
                JsonNode document = JSON.readTree(documentLine);
                if (document instanceof ObjectNode object) {
                    actions.add(new BulkAction(type, index, id, object, null));
                } else {
                    actions.add(new BulkAction(type, index, id, null, "the document on line [" + (actionLine + 1)
                            + "] is not a JSON object"));
                }
            } catch (JsonProcessingException e) {
                actions.add(new BulkAction(type, index, id, null, "failed to parse the document on line ["
                        + (actionLine + 1) + "]: " + e.getOriginalMessage()));
            }
        }
        return actions;
    }

    private static ObjectNode actionLine(String line, int number) {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new BulkFormatException("Malformed action/metadata line [" + number + "]: not JSON ("
                    + e.getOriginalMessage() + "); the body must be NDJSON action/document pairs");
        }
        if (!(parsed instanceof ObjectNode object) || object.size() != 1
                || !ACTIONS.contains(object.properties().iterator().next().getKey())) {
            String found = parsed instanceof ObjectNode object && !object.isEmpty()
                    ? String.join(", ", object.properties().stream().map(Map.Entry::getKey).toList())
                    : parsed.getNodeType().name().toLowerCase();
            throw new BulkFormatException("Malformed action/metadata line [" + number + "], expected one of "
                    + ACTIONS + " but found [" + found + "]");
        }
        return object;
    }

    private static String text(JsonNode metadata, String field, String fallback) {
        JsonNode value = metadata.get(field);
        return value == null || value.isNull() || value.asText().isBlank() ? fallback : value.asText();
    }

    private static List<String> nonBlankLines(String body) {
        List<String> lines = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }
}
