package io.larch.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.ingest.Fingerprinter;
import io.larch.ingest.MaskingFingerprinter;

/**
 * The fields of a generated event as a peer stores them. Peers do not compute fingerprints, so
 * the benchmark client computes Larch's fingerprint for them (client CPU, not the peer's).
 */
record EventFields(long ts, String level, String kind, String source, String userId, String conversationId,
                   String message, String stack, String fingerprint, String attrsJson) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Fingerprinter FINGERPRINTER = new MaskingFingerprinter();

    static EventFields parse(String eventJson) throws Exception {
        JsonNode e = JSON.readTree(eventJson);
        String message = e.get("message").asText();
        String source = text(e, "source");
        String stack = text(e, "stack");
        return new EventFields(e.get("ts").asLong(), e.get("level").asText(), e.has("kind") ? e.get("kind").asText() : "app",
                source, text(e, "userId"), text(e, "conversationId"), message, stack,
                FINGERPRINTER.fingerprint(1, source, message, stack), e.has("attrs") ? e.get("attrs").toString() : "{}");
    }

    private static String text(JsonNode e, String field) {
        return e.hasNonNull(field) ? e.get(field).asText() : null;
    }
}
