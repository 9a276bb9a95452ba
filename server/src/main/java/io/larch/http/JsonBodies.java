package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.model.InvalidInputException;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;

/** Small JSON request bodies of the admin and token APIs: one object, typed field reads with clear errors. */
final class JsonBodies {
    static final int MAX_ADMIN_BODY = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonBodies() {
    }

    /**
     * The body as a JSON object with no fields but {@code allowed} (a misspelt field is an error,
     * not silently ignored); an empty body is an empty object.
     */
    static JsonNode object(byte[] body, String... allowed) {
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node == null || !node.isObject()) {
                throw new InvalidInputException("body must be a JSON object");
            }
            List<String> known = List.of(allowed);
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!known.contains(name)) {
                    throw new InvalidInputException(name + ": unknown field; use any of " + String.join(", ", known));
                }
            }
            return node;
        } catch (IOException e) {
            throw new InvalidInputException("body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** A string field, or null when absent or null. */
    static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidInputException(field + ": must be a string");
        }
        return value.textValue();
    }
}
