package io.larch.ingest;

/** Why one event of a batch is invalid. {@code field} is null when the event as a whole is wrong. */
public record EventError(int index, String field, String reason) {
}
