package io.larch.logback;

import java.io.IOException;
import java.util.List;

/**
 * Batches that could not be sent yet, oldest first: the sender sends the oldest again until
 * Larch takes it, and while any batch waits here every new batch is added behind it, so events
 * reach Larch in the order they were logged.
 *
 * <p>Contract: only the sender thread calls these methods (no locking). A backlog is bounded:
 * {@link #add} may drop the oldest batches to make room, and counts the events it dropped in
 * {@link #droppedEvents()}.
 */
interface Backlog {

    boolean isEmpty();

    /** Adds a batch (lines of event JSON) behind the others; may drop the oldest batches to stay bounded. */
    void add(List<String> batch) throws IOException;

    /** The oldest batch, or null when empty. Calling it again without {@link #removeOldest} gives the same batch. */
    List<String> oldest() throws IOException;

    /** Forgets the oldest batch: Larch took it (or refused it for good). Does nothing when empty. */
    void removeOldest() throws IOException;

    /** Events dropped so far because the backlog was full. */
    long droppedEvents();

    /** Events waiting. */
    long waitingEvents();
}
