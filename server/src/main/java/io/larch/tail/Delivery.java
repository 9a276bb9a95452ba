package io.larch.tail;

import io.larch.model.LogEvent;
import java.util.List;

/**
 * What a stream's reader takes from its {@link Subscription} in one go.
 *
 * @param events   matching events, in stored order
 * @param dropped  matching events dropped since the last delivery (the reader was too slow, or
 *                 the hub fell behind); 0 when none
 * @param strikes  overflowing batches in a row so far
 * @param recheck  credentials changed somewhere: check this stream's again
 * @param ended    why the server ends the stream, or null while it goes on
 * @param endMessage what to tell the client when {@code ended} is set
 */
public record Delivery(List<LogEvent> events, long dropped, int strikes, boolean recheck, EndReason ended,
                       String endMessage) {

    /** Nothing happened within the wait: time for a heartbeat. */
    public boolean isEmpty() {
        return events.isEmpty() && dropped == 0 && !recheck && ended == null;
    }
}
