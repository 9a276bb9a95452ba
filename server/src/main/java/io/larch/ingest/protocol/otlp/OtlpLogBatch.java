package io.larch.ingest.protocol.otlp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The Larch events mapped from one export request, one per log record in request order, and how
 * many attributes were left out to keep the events within Larch's limits (the records themselves
 * are kept; the answer reports the loss as a partial success).
 */
public record OtlpLogBatch(List<ObjectNode> events, int droppedAttributes) {
}
