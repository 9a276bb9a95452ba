package io.larch.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits a request body into one JSON object per event. Accepted shapes: {@code {"events":[...]}},
 * a JSON array of events, a single event object, NDJSON (one event per line), and with
 * {@code text/plain} one message per line.
 */
public final class BatchReader {
    private static final ObjectReader JSON = new ObjectMapper().readerFor(JsonNode.class);

    private BatchReader() {
    }

    public static List<JsonNode> read(byte[] body, String contentType) {
        String mediaType = mediaType(contentType);
        checkCharset(contentType);
        int invalid = Utf8.firstInvalid(body);
        if (invalid >= 0) {
            throw new RejectedRequestException(400, "body is not valid UTF-8 at byte " + invalid
                    + "; send text as UTF-8 (JSON strings may use \\u escapes)");
        }
        return switch (mediaType) {
            case "", "application/json", "application/x-ndjson", "application/ndjson", "application/jsonl",
                 "application/x-jsonlines", "application/jsonlines", "application/json-seq" -> readJson(body);
            case "text/plain" -> readLines(body);
            default -> throw new RejectedRequestException(415, "unsupported Content-Type '" + contentType
                    + "'; send application/json, application/x-ndjson or text/plain");
        };
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon >= 0 ? contentType.substring(0, semicolon) : contentType).trim().toLowerCase(Locale.ROOT);
    }

    /** Only UTF-8 (or its subset ASCII) is read; any other declared charset is refused rather than misread. */
    private static void checkCharset(String contentType) {
        if (contentType == null) {
            return;
        }
        for (String parameter : contentType.split(";")) {
            String[] nameValue = parameter.split("=", 2);
            if (nameValue.length == 2 && nameValue[0].trim().equalsIgnoreCase("charset")) {
                String charset = nameValue[1].trim().replace("\"", "").toLowerCase(Locale.ROOT);
                if (!charset.equals("utf-8") && !charset.equals("utf8") && !charset.equals("us-ascii")) {
                    throw new RejectedRequestException(415, "charset '" + nameValue[1].trim()
                            + "' is not supported; send the body as UTF-8 (charset=utf-8)");
                }
            }
        }
    }

    private static List<JsonNode> readJson(byte[] body) {
        for (int i = 0; i < Math.min(4, body.length); i++) {
            // A NUL up front makes Jackson read the body as UTF-16 or UTF-32; JSON never has one.
            if (body[i] == 0) {
                throw new RejectedRequestException(400, "body is not UTF-8 JSON (a NUL byte at " + i
                        + ": UTF-16 or UTF-32?); send it as UTF-8");
            }
        }
        List<JsonNode> events = new ArrayList<>();
        try (MappingIterator<JsonNode> values = JSON.readValues(body)) {
            boolean first = true;
            while (values.hasNextValue()) {
                JsonNode value = values.nextValue();
                if (first && (value.isArray() || isEnvelope(value))) {
                    JsonNode array = value.isArray() ? value : value.get("events");
                    if (!array.isArray()) {
                        throw new RejectedRequestException(400, "'events' must be an array of event objects");
                    }
                    checkCount(array.size());
                    array.forEach(events::add);
                    if (values.hasNextValue()) {
                        throw new RejectedRequestException(400,
                                "body has more JSON after the batch; send one batch per request");
                    }
                    return events;
                }
                first = false;
                events.add(value);
                checkCount(events.size());
            }
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation();
            String position = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
            String reason = e.getOriginalMessage().lines().findFirst().orElse("");
            int detail = reason.indexOf(" (start marker at");
            throw new RejectedRequestException(400, "body is not valid JSON" + position + ": "
                    + (detail > 0 ? reason.substring(0, detail) : reason));
        } catch (IOException e) {
            throw new RejectedRequestException(400, "body cannot be read: " + e.getMessage());
        }
        if (events.isEmpty() && new String(body, StandardCharsets.UTF_8).isBlank()) {
            throw new RejectedRequestException(400, "body is empty; send {\"events\":[...]}, a JSON array or NDJSON");
        }
        return events;
    }

    private static boolean isEnvelope(JsonNode value) {
        return value.isObject() && value.has("events") && !value.has("message") && !value.has("msg");
    }

    private static List<JsonNode> readLines(byte[] body) {
        List<JsonNode> events = new ArrayList<>();
        for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
            String message = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (message.isBlank()) {
                continue;
            }
            ObjectNode event = JsonNodeFactory.instance.objectNode();
            event.put("message", message);
            events.add(event);
            checkCount(events.size());
        }
        if (events.isEmpty()) {
            throw new RejectedRequestException(400, "body is empty; send one log message per line");
        }
        return events;
    }

    private static void checkCount(int count) {
        if (count > IngestLimits.MAX_EVENTS) {
            throw new RejectedRequestException(413, "batch has more than " + IngestLimits.MAX_EVENTS
                    + " events; split it into requests of at most " + IngestLimits.MAX_EVENTS);
        }
    }
}
