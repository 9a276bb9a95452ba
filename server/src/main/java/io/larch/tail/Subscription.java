package io.larch.tail;

import io.larch.model.LogEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * One live stream's place in the {@link TailHub}: a matcher and a bounded queue between the
 * hub's dispatcher (which only offers, never waits) and the stream's reader (the HTTP request's
 * thread, which waits for events and writes them out). When the queue is full the event is
 * dropped and counted; a batch that drops any is a strike, {@link #MAX_STRIKES} in a row end the
 * stream, and a batch delivered whole resets the count. Thread-safe.
 */
public final class Subscription implements AutoCloseable {
    /** Batches in a row that overflowed the queue before the stream is ended. */
    public static final int MAX_STRIKES = 3;
    /** A reader that has not come back from writing for this long after its stream ended is cut off. */
    static final long STUCK_NANOS = 2_000_000_000L;
    /** Events handed to the reader at most per {@link #await}. */
    private static final int MAX_PER_DELIVERY = 1000;

    private final TailHub hub;
    private final StreamKind kind;
    private final long projectId;
    private final String userId;
    private final Predicate<LogEvent> matcher;
    private final int capacity;
    private final long strikeWindowNanos;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by {@code lock}. */
    private final ArrayDeque<LogEvent> queue = new ArrayDeque<>();
    /** Guarded by {@code lock}. */
    private long dropped;
    /** Guarded by {@code lock}. */
    private int strikes;
    /** Guarded by {@code lock}. */
    private boolean recheck;
    /** Guarded by {@code lock}. */
    private EndReason ended;
    /** Guarded by {@code lock}. */
    private String endMessage;
    /** Guarded by {@code lock}. */
    private boolean closed;

    /** Cuts the connection: for a client too slow to read even the end of its stream. */
    private volatile Runnable abort = () -> { };
    /** When the reader last came for events (it is not blocked writing then). */
    private volatile long readerSeenNanos = System.nanoTime();
    /** Whether the reader is waiting in {@link #await} now (signalled, it comes back at once). */
    private volatile boolean readerWaiting;
    /** When the stream was ended; guarded by {@code lock}. */
    private long endedAtNanos;
    private volatile boolean aborted;
    /** Guarded by {@code lock}: when the last strike was counted. */
    private long lastStrikeNanos = Long.MIN_VALUE / 2;

    /** Dispatcher thread only: the batch this subscription was last offered events of. */
    long offeredInBatch = -1;
    /** Dispatcher thread only: whether an event of that batch was dropped. */
    boolean droppedInBatch;

    Subscription(TailHub hub, StreamKind kind, long projectId, String userId, Predicate<LogEvent> matcher,
                 int capacity, long strikeWindowNanos) {
        this.strikeWindowNanos = strikeWindowNanos;
        this.hub = hub;
        this.kind = kind;
        this.projectId = projectId;
        this.userId = userId;
        this.matcher = matcher;
        this.capacity = capacity;
    }

    public StreamKind kind() {
        return kind;
    }

    long projectId() {
        return projectId;
    }

    /** The user this stream is limited to (it is indexed under it), or null. */
    String userId() {
        return userId;
    }

    boolean matches(LogEvent event) {
        return matcher.test(event);
    }

    /** Dispatcher: queues {@code event}, or counts it dropped when the queue is full. */
    void offer(LogEvent event) {
        lock.lock();
        try {
            if (closed || ended != null) {
                return;
            }
            if (queue.size() >= capacity) {
                dropped++;
                droppedInBatch = true;
                hub.countDropped(TailHub.DROP_SLOW, 1);
            } else {
                queue.addLast(event);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Sets how to cut the connection when the client is too slow to be told anything. */
    public void onAbort(Runnable cutConnection) {
        this.abort = cutConnection;
    }

    /**
     * Dispatcher: the batch is done; a strike if it dropped (one per strike window). At
     * {@link #MAX_STRIKES} the stream ends: the reader writes what is queued and the end. A
     * reader that stays blocked writing after its stream ended (a client that does not read at
     * all) has its connection cut, or it would hold the stream until the idle timeout.
     */
    void endOfBatch() {
        boolean outOfStrikes = false;
        boolean stuck;
        lock.lock();
        try {
            long now = System.nanoTime();
            boolean windowPassed = now - lastStrikeNanos >= strikeWindowNanos;
            if (droppedInBatch && windowPassed) {
                strikes++;
                lastStrikeNanos = now;
                outOfStrikes = strikes >= MAX_STRIKES;
            } else if (!droppedInBatch && windowPassed) {
                strikes = 0;
            }
            droppedInBatch = false;
            // Stuck: the stream ended a while ago and its reader has not come for anything since.
            stuck = ended != null && !readerWaiting && readerSeenNanos - endedAtNanos < 0
                    && now - endedAtNanos > STUCK_NANOS;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (outOfStrikes) {
            end(EndReason.TOO_SLOW, "this client read too slowly: events were dropped in " + MAX_STRIKES
                    + " strike windows in a row; reconnect with Last-Event-ID to resume after the last event received");
        }
        if (stuck && !aborted) {
            aborted = true;
            abort.run();
        }
    }

    /** Events lost before they reached any queue (the hub fell behind): told, no strike. */
    void lost(long count) {
        lock.lock();
        try {
            dropped += count;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Why and how the stream was ended. */
    public record Ending(EndReason reason, String message) {
    }

    /** How the stream was ended (its reader may not have told the client yet), or null while it goes on. */
    public Ending ending() {
        lock.lock();
        try {
            return ended == null ? null : new Ending(ended, endMessage);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the stream (its reader tells the client {@code message} and returns) and counts why.
     * Returns false when it had ended already.
     */
    public boolean end(EndReason reason, String message) {
        lock.lock();
        try {
            changed.signalAll();
            if (ended != null) {
                return false;
            }
            ended = reason;
            endMessage = message;
            endedAtNanos = System.nanoTime();
        } finally {
            lock.unlock();
        }
        hub.ended(reason);
        return true;
    }

    /** Asks the reader to check its credential again (a key was revoked somewhere). */
    void recheck() {
        lock.lock();
        try {
            recheck = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for something to hand over: events, a drop count, a
     * recheck or the end. An empty delivery means the wait ran out.
     */
    public Delivery await(long timeoutMillis) throws InterruptedException {
        readerSeenNanos = System.nanoTime();
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            readerWaiting = true;
            try {
                while (queue.isEmpty() && dropped == 0 && !recheck && ended == null && nanos > 0) {
                    nanos = changed.awaitNanos(nanos);
                }
            } finally {
                readerWaiting = false;
            }
            List<LogEvent> events = new ArrayList<>(Math.min(queue.size(), MAX_PER_DELIVERY));
            while (!queue.isEmpty() && events.size() < MAX_PER_DELIVERY) {
                events.add(queue.pollFirst());
            }
            // The events still queued go out before the end is told.
            boolean ending = ended != null && queue.isEmpty();
            Delivery delivery = new Delivery(events, dropped, strikes, recheck, ending ? ended : null,
                    ending ? endMessage : null);
            dropped = 0;
            recheck = false;
            return delivery;
        } finally {
            lock.unlock();
        }
    }

    /** Takes the stream out of the hub; idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
        } finally {
            lock.unlock();
        }
        hub.closed(this);
    }
}
