package io.larch.ingest;

import io.larch.model.LogEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Hands out event ids and releases stored batches in id order. Batches are written by many
 * threads at once, so a batch with later ids can become durable before one with earlier ids; a
 * live stream that resumes "after event X" would then miss the earlier batch. Here a batch is
 * released (to the live tail) only when every batch with smaller ids has been stored or has
 * failed, so released events form one sequence in id order, and everything below the
 * {@linkplain #atReleasePoint release point} is in the store. Thread-safe.
 */
public final class StoredOrder {
    /** Receives released events, in id order, with this object's lock held: it must not block. */
    @FunctionalInterface
    public interface Listener {
        void released(List<LogEvent> events);
    }

    /** The ids of one batch on its way to the store. */
    public static final class Ticket {
        private final long[] ids;
        /** Guarded by the StoredOrder. */
        private List<LogEvent> stored;

        private Ticket(long[] ids) {
            this.ids = ids;
        }

        public long[] ids() {
            return ids;
        }
    }

    private final IdGenerator ids;
    private final Listener listener;
    /** Batches with ids handed out and not yet released, in id order. Guarded by {@code this}. */
    private final ArrayDeque<Ticket> inFlight = new ArrayDeque<>();

    public StoredOrder(IdGenerator ids, Listener listener) {
        this.ids = ids;
        this.listener = listener;
    }

    /** {@code count} consecutive ids for a batch; each ticket must end with {@link #finish}. */
    public synchronized Ticket begin(int count) {
        Ticket ticket = new Ticket(ids.next(count));
        inFlight.addLast(ticket);
        return ticket;
    }

    /**
     * The batch of {@code ticket} is stored as {@code stored} (empty when it failed): releases it
     * and every later batch already finished, once no earlier batch is still on its way.
     */
    public synchronized void finish(Ticket ticket, List<LogEvent> stored) {
        ticket.stored = stored;
        while (!inFlight.isEmpty() && inFlight.peekFirst().stored != null) {
            List<LogEvent> next = inFlight.pollFirst().stored;
            if (!next.isEmpty()) {
                listener.released(next);
            }
        }
    }

    /**
     * Runs {@code action} with the release point: every event with a smaller id has been
     * released (and is in the store), every event with this id or a larger one will be released
     * after {@code action} returns. Returns the point.
     */
    public synchronized long atReleasePoint(LongConsumer action) {
        long point = inFlight.isEmpty() ? ids.lowestNext() : inFlight.peekFirst().ids[0];
        action.accept(point);
        return point;
    }
}
