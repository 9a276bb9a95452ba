package io.larch.ingest.protocol.loki;

import java.util.List;
import java.util.Map;

/** One stream of a Loki push: its labels (in the order sent) and its entries. */
public record LokiStream(Map<String, String> labels, List<LokiEntry> entries) {
}
