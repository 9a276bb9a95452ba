package io.larch.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The small JSON object an audit entry carries about what changed. Never a secret. */
public final class AuditDetail {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditDetail() {
    }

    /** {@code {"k1":"v1","k2":"v2",...}} from alternating names and values. */
    public static String of(String... namesAndValues) {
        ObjectNode detail = JSON.createObjectNode();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            detail.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return detail.toString();
    }
}
