package io.larch.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.model.LogEvent;
import java.time.Instant;
import java.util.Map;

/** An event as a client would send it to {@code POST /api/log}. */
final class IngestJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IngestJson() {
    }

    static String of(LogEvent event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("ts", Instant.ofEpochMilli(event.ts()).toString());
        node.put("kind", event.kind().wireName());
        node.put("level", event.level().wireName());
        node.put("message", event.message());
        put(node, "source", event.source());
        put(node, "stack", event.stack());
        put(node, "userId", event.userId());
        put(node, "conversationId", event.conversationId());
        put(node, "buildId", event.buildId());
        put(node, "deploymentId", event.deploymentId());
        put(node, "traceId", event.traceId());
        put(node, "status", event.status());
        ObjectNode attrs = node.putObject("attrs");
        for (Map.Entry<String, String> attr : event.attrs().entrySet()) {
            attrs.put(attr.getKey(), attr.getValue());
        }
        return node.toString();
    }

    private static void put(ObjectNode node, String name, String value) {
        if (value != null) {
            node.put(name, value);
        }
    }
}
