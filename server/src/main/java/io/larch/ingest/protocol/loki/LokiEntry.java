package io.larch.ingest.protocol.loki;

import java.util.Map;

/**
 * One log line of a Loki stream: its time in Unix epoch nanoseconds (0 when the sender gave none:
 * protobuf cannot tell a missing timestamp from zero), the line, and its structured metadata.
 */
public record LokiEntry(long epochNanos, String line, Map<String, String> structuredMetadata) {
}
