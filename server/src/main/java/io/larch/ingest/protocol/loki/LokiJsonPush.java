package io.larch.ingest.protocol.loki;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.model.InvalidInputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Loki push in its JSON form:
 * {@code {"streams":[{"stream":{"app":"shop"},"values":[["<unix ns>","line",{"trace_id":"..."}]]}]}}.
 * A body that is not of this shape is refused whole, naming the first place that is wrong, as
 * Loki does; the timestamp is a string of nanoseconds (a JSON number is taken too).
 */
public final class LokiJsonPush {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LokiJsonPush() {
    }

    /** The streams of {@code body}, or {@link InvalidInputException} naming what is wrong. */
    public static List<LokiStream> decode(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new InvalidInputException("body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidInputException("could not read the JSON body: " + e.getMessage());
        }
        if (root == null || !root.isObject() || !root.path("streams").isArray()) {
            throw new InvalidInputException("body must be a Loki push: {\"streams\":[{\"stream\":{labels},"
                    + "\"values\":[[\"<unix epoch ns>\",\"line\"]]}]}");
        }
        List<LokiStream> streams = new ArrayList<>();
        JsonNode array = root.get("streams");
        long entries = 0;
        for (JsonNode stream : array) {
            entries += stream.path("values").size();
        }
        if (entries > io.larch.ingest.IngestLimits.MAX_PROTOCOL_RECORDS) {
            throw io.larch.ingest.IngestLimits.tooManyRecords("entries");
        }
        for (int i = 0; i < array.size(); i++) {
            streams.add(stream(array.get(i), "streams[" + i + "]"));
        }
        return streams;
    }

    private static LokiStream stream(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new InvalidInputException(where + " must be an object with \"stream\" and \"values\"");
        }
        Map<String, String> labels = strings(node.get("stream"), where + ".stream");
        JsonNode values = node.get("values");
        if (values == null || values.isNull()) {
            return new LokiStream(labels, List.of());
        }
        if (!values.isArray()) {
            throw new InvalidInputException(where + ".values must be an array of [\"<unix epoch ns>\", \"line\"] pairs");
        }
        List<LokiEntry> entries = new ArrayList<>(values.size());
        for (int j = 0; j < values.size(); j++) {
            entries.add(entry(values.get(j), where + ".values[" + j + "]"));
        }
        return new LokiStream(labels, entries);
    }

    private static LokiEntry entry(JsonNode value, String where) {
        if (!value.isArray() || value.size() < 2 || value.size() > 3) {
            throw new InvalidInputException(where + " must be [\"<unix epoch ns>\", \"line\"] or [\"<unix epoch ns>\", "
                    + "\"line\", {structured metadata}]");
        }
        long nanos = nanos(value.get(0), where + "[0]");
        JsonNode line = value.get(1);
        if (!line.isTextual()) {
            throw new InvalidInputException(where + "[1]: the log line must be a string");
        }
        Map<String, String> metadata = value.size() == 3 ? strings(value.get(2), where + "[2]") : Map.of();
        return new LokiEntry(nanos, line.textValue(), metadata);
    }

    private static long nanos(JsonNode timestamp, String where) {
        String text = timestamp.isTextual() ? timestamp.textValue().trim()
                : timestamp.isIntegralNumber() ? timestamp.asText() : null;
        if (text != null && !text.isEmpty() && text.length() <= 19 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException beyondLong) {
                // past the year 2262: refused below
            }
        }
        throw new InvalidInputException(where + ": bad timestamp " + abbreviate(timestamp.toString())
                + "; Loki timestamps are Unix epoch nanoseconds as a string, like \"1733300000000000000\"");
    }

    /** An object of labels or metadata: string values (numbers and booleans are taken as their text). */
    private static Map<String, String> strings(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new InvalidInputException(where + " must be an object of name: \"value\" strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            JsonNode value = field.getValue();
            if (!value.isValueNode() || value.isNull()) {
                throw new InvalidInputException(where + "." + abbreviate(field.getKey()) + " must be a string");
            }
            out.put(field.getKey(), value.asText());
        }
        return out;
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }
}
