package io.larch.tail;

import io.larch.model.LogEvent;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one live stream from its reader's side: first what was stored after the client's last
 * event (when it resumes), then live events, with heartbeats, drop notices, credential checks
 * and the idle limit. Resuming has no gap and no duplicate: events below the hub's release point
 * are read from the store, events from it on come live, and nothing at or below the last one
 * sent is sent again.
 */
public final class StreamSession {
    /** Stored events read per page when catching up. */
    static final int CATCH_UP_PAGE = 1000;

    /** Where the stream goes (the HTTP response). An IOException means the client is gone. */
    public interface Output {
        void events(List<LogEvent> events) throws IOException;

        /**
         * The stream is live: every matching event up to {@code caughtUpTo} (an id, not always
         * an event's) is behind the client; resuming after it misses nothing. Gives a client cut
         * off before its first event a place to resume from.
         */
        void live(long caughtUpTo) throws IOException;

        /** Catching up skipped {@code partsSkipped} damaged parts: what they held is not in this stream. */
        void partial(int partsSkipped) throws IOException;

        void dropped(long count, int strikes) throws IOException;

        void heartbeat() throws IOException;

        void end(EndReason reason, String message) throws IOException;
    }

    /** Matching events stored after an id, in id order: the search that catches up. */
    @FunctionalInterface
    public interface StoredAfter {
        Page after(long afterId, int limit);
    }

    /**
     * A page of stored events; {@code more} when others follow the last; {@code partsSkipped}
     * damaged (quarantined) parts that could have held some of them.
     */
    public record Page(List<LogEvent> events, boolean more, int partsSkipped) {
    }

    /** Whether the stream's credential still holds: null when it does, else why not. */
    public interface Guard {
        String refusal();

        /** When the credential ends by itself (a viewer token's expiry), epoch millis; checked then too. */
        long expiresAtMillis();
    }

    /**
     * @param heartbeat   how often a quiet stream sends a heartbeat (and checks its credential)
     * @param idleTimeout a stream that delivered nothing for this long is ended
     */
    public record Timing(Duration heartbeat, Duration idleTimeout) {
        public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    }

    private final TailHub hub;
    private final Subscription subscription;
    private final StoredAfter stored;
    private final Guard guard;
    private final Timing timing;
    private final Clock clock;
    private boolean toldPartial;

    public StreamSession(TailHub hub, Subscription subscription, StoredAfter stored, Guard guard, Timing timing,
                         Clock clock) {
        this.clock = clock;
        this.hub = hub;
        this.subscription = subscription;
        this.stored = stored;
        this.guard = guard;
        this.timing = timing;
    }

    /**
     * Streams until the server ends it or the client goes (IOException from {@code output}).
     * {@code resumeAfter}: the id of the last event the client has, or null to start live.
     * Closes the subscription when it returns.
     */
    public void run(Long resumeAfter, Output output) throws IOException, InterruptedException {
        try (subscription) {
            long last;
            try {
                if (resumeAfter != null) {
                    // Most of a long gap is read before going live, so live events do not pile up
                    // in the queue while it is read.
                    last = catchUp(resumeAfter, hub.releasePoint(), output);
                    long point = hub.goLive(subscription);
                    // An id from the future (a client's mistake) must not hide the events to come.
                    last = Math.min(catchUp(last, point, output), point - 1);
                } else {
                    last = hub.goLive(subscription) - 1;
                }
            } catch (Stopped stopped) {
                return;
            } catch (RuntimeException readFailed) {
                end(output, EndReason.FAILED, "catching up from the store failed (" + readFailed.getMessage()
                        + "); reconnect with Last-Event-ID to try again");
                return;
            }
            output.live(last);
            live(last, output);
        }
    }

    /** The stream ended while it caught up (its end is written). */
    private static final class Stopped extends Exception {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /** Sends the stored matches after {@code after} and below {@code point}; returns the last id sent. */
    private long catchUp(long after, long point, Output output) throws IOException, Stopped {
        long last = after;
        while (true) {
            // A revoked key gets no more history either, and a stream ended meanwhile stops reading.
            if (refused(output)) {
                throw new Stopped();
            }
            Subscription.Ending ending = subscription.ending();
            if (ending != null) {
                output.end(ending.reason(), ending.message());
                throw new Stopped();
            }
            Page page = stored.after(last, CATCH_UP_PAGE);
            if (page.partsSkipped() > 0 && !toldPartial) {
                // Damaged data is never served as if it were whole: the client is told once.
                toldPartial = true;
                output.partial(page.partsSkipped());
            }
            List<LogEvent> below = new ArrayList<>(page.events().size());
            for (LogEvent event : page.events()) {
                if (event.id() < point) {
                    below.add(event);
                }
            }
            if (!below.isEmpty()) {
                output.events(below);
                hub.served(below.size());
                last = below.getLast().id();
            }
            if (!page.more() || below.size() < page.events().size()) {
                return last;
            }
        }
    }

    private void live(long lastSent, Output output) throws IOException, InterruptedException {
        long last = lastSent;
        long heartbeatMillis = timing.heartbeat().toMillis();
        long idleNanos = timing.idleTimeout().toNanos();
        long lastEventAt = System.nanoTime();
        long nextHeartbeat = System.nanoTime() + heartbeatMillis * 1_000_000;
        while (true) {
            long untilExpiry = guard.expiresAtMillis() - clock.millis();
            long waitMillis = Math.max(1, Math.min((nextHeartbeat - System.nanoTime()) / 1_000_000, untilExpiry + 1));
            Delivery delivery = subscription.await(waitMillis);
            if ((delivery.recheck() || clock.millis() > guard.expiresAtMillis()) && refused(output)) {
                return;
            }
            List<LogEvent> fresh = new ArrayList<>(delivery.events().size());
            for (LogEvent event : delivery.events()) {
                if (event.id() > last) {
                    fresh.add(event);
                }
            }
            if (!fresh.isEmpty()) {
                output.events(fresh);
                hub.served(fresh.size());
                last = fresh.getLast().id();
                lastEventAt = System.nanoTime();
            }
            if (delivery.dropped() > 0) {
                output.dropped(delivery.dropped(), delivery.strikes());
            }
            if (delivery.ended() != null) {
                end(output, delivery.ended(), delivery.endMessage());
                return;
            }
            long now = System.nanoTime();
            if (now - nextHeartbeat >= 0) {
                if (refused(output)) {
                    return;
                }
                if (now - lastEventAt >= idleNanos) {
                    end(output, EndReason.IDLE, "no event for " + timing.idleTimeout().toMinutes()
                            + " min (LARCH_SSE_IDLE_TIMEOUT); reconnect with Last-Event-ID to go on");
                    return;
                }
                output.heartbeat();
                nextHeartbeat = now + heartbeatMillis * 1_000_000;
            }
        }
    }

    private boolean refused(Output output) throws IOException {
        String refusal = guard.refusal();
        if (refusal == null) {
            return false;
        }
        end(output, EndReason.CREDENTIAL, refusal);
        return true;
    }

    private void end(Output output, EndReason reason, String message) throws IOException {
        subscription.end(reason, message);
        output.end(reason, message);
    }
}
