package io.larch.ingest;

import java.util.List;

/**
 * A stored batch: how many events were stored, their ids in the order they were sent (null for
 * an event dropped as a repeat), and how many were dropped as repeats (debounced).
 */
public record IngestResult(int accepted, List<Long> ids, int debounced) {
}
