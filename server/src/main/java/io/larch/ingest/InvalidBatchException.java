package io.larch.ingest;

import java.util.List;

/** Some events of a batch are invalid; nothing of the batch was stored. */
public final class InvalidBatchException extends RuntimeException {
    private final int eventCount;
    private final List<EventError> errors;

    public InvalidBatchException(int eventCount, List<EventError> errors) {
        super(errors.stream().map(e -> e.index()).distinct().count() + " of " + eventCount
                + " events are invalid; nothing was stored");
        this.eventCount = eventCount;
        this.errors = List.copyOf(errors);
    }

    public int eventCount() {
        return eventCount;
    }

    public List<EventError> errors() {
        return errors;
    }
}
