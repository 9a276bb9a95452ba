package io.larch.ingest;

import java.util.List;

/** A stored batch: how many events and their ids, in the order they were sent. */
public record IngestResult(int accepted, List<Long> ids) {
}
