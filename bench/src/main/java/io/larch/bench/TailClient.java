package io.larch.bench;

import io.larch.model.EventId;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One live-tail client of the benchmark: opens its stream on a virtual thread and records, for
 * every {@code log} event of the bench (those with {@code attrs.sentNanos}), its id, arrival time
 * and send time; counts {@code dropped} notices and keeps the {@code end} reason.
 *
 * <p>Threading: the reading virtual thread writes everything; other threads read the counters
 * marked volatile while it runs and the rest after {@link #stop} has returned.
 */
final class TailClient implements SseConnection.Listener {
    /** The user this client follows ({@code q=user:<user>}), or null for an unfiltered tail. */
    final String user;
    final int index;
    private final AtomicLong benchEventsReceived;
    private final CountDownLatch opened;
    private Thread reader;
    private volatile SseConnection connection;

    volatile int status;
    volatile String failure;
    volatile boolean streaming;
    volatile boolean finished;
    private volatile boolean stopRequested;
    /** The end reason of the current connection (null while it runs). */
    String endReason;
    /** Every end the server sent, in order. */
    final java.util.List<String> endReasons = new java.util.ArrayList<>();
    volatile boolean endedByServer;
    int reconnects;
    /** Connections the server closed without an {@code end} event (nor a {@code dropped} one before). */
    int closedWithoutEnd;
    private boolean reconnectOnDrop;
    /** Set by a dropped notice when reconnecting: the reading thread closes and resumes. */
    private boolean resumeAfterDrop;
    /** The id of the last log event received, from any connection: where a reconnect resumes. */
    private String lastId;
    long droppedNotices;
    long droppedEvents;
    long otherEvents;
    long unparsedIds;
    long heartbeats;
    long[] ids = new long[16];
    long[] arrivals = new long[16];
    long[] sent = new long[16];
    int received;

    TailClient(String user, int index, AtomicLong benchEventsReceived, CountDownLatch opened) {
        this.user = user;
        this.index = index;
        this.benchEventsReceived = benchEventsReceived;
        this.opened = opened;
    }

    /**
     * Starts the reading thread: connect (one of {@code handshakes} at a time), then read until
     * the stream ends. When the server ends it for a reason other than the credential and
     * {@code reconnect} is set, connects again with {@code lastEventId} = the last id received,
     * as the contract tells clients to: the events dropped before are then re-sent. A
     * {@code dropped} notice makes it do the same at once (close, resume from the last id), and
     * so does a connection closed without an {@code end}, as an EventSource would.
     */
    void start(String url, String path, String token, java.util.concurrent.Semaphore handshakes, int bufferBytes,
               boolean reconnect) {
        reconnectOnDrop = reconnect;
        reader = Thread.ofVirtual().start(() -> {
            boolean counted = false;
            try {
                while (!stopRequested) {
                    String resume = lastId == null ? "" : (path.contains("?") ? "&" : "?") + "lastEventId=" + lastId;
                    handshakes.acquire();
                    try {
                        connection = SseConnection.open(url, path + resume, token, 30_000, bufferBytes);
                    } finally {
                        handshakes.release();
                    }
                    if (connection.status() != 200) {
                        if (!counted) {
                            status = connection.status();
                        }
                        failure = connection.status() + ": " + connection.errorBody();
                        return;
                    }
                    status = 200;
                    streaming = true;
                    if (!counted) {
                        counted = true;
                        opened.countDown();
                    }
                    endReason = null;
                    connection.read(this);
                    heartbeats += connection.comments();
                    if (stopRequested) {
                        return;
                    }
                    if (endReason != null) {
                        endReasons.add(endReason);
                    } else if (!resumeAfterDrop) {
                        // Closed with no end event: an EventSource reconnects, so does this client.
                        closedWithoutEnd++;
                        if (reconnect) {
                            reconnects++;
                            continue;
                        }
                    }
                    if (reconnect && resumeAfterDrop) {
                        // Events were dropped: resuming from the last one received gets them back.
                        resumeAfterDrop = false;
                        reconnects++;
                        continue;
                    }
                    if (!reconnect || endReason == null || endReason.contains("\"credential\"")) {
                        endedByServer = true;
                        return;
                    }
                    reconnects++;
                }
            } catch (Exception e) {
                failure = e.toString();
            } finally {
                if (!counted) {
                    opened.countDown();
                }
                streaming = false;
                finished = true;
            }
        });
    }

    @Override
    public void block(String type, String id, String data, long arrivalNanos) {
        if (resumeAfterDrop) {
            // What this connection still has buffered comes after the gap: the resume re-sends it.
            return;
        }
        switch (type) {
            case "log" -> log(id, data, arrivalNanos);
            case "dropped" -> {
                droppedNotices++;
                droppedEvents += Math.max(0, number(data, "\"dropped\":"));
                if (reconnectOnDrop) {
                    resumeAfterDrop = true;
                    connection.close();
                }
            }
            case "end" -> endReason = data;
            case "live" -> {
                // Everything up to this id is behind the stream: a cut before the first event resumes here.
                if (id != null && (lastId == null || id.compareTo(lastId) > 0)) {
                    lastId = id;
                }
            }
            default -> {
                // retry, and anything newer: not counted
            }
        }
    }

    private void log(String id, String data, long arrivalNanos) {
        if (id != null) {
            lastId = id;
        }
        long sentNanos = data == null ? -1 : number(data, "\"sentNanos\":");
        if (sentNanos < 0) {
            otherEvents++;
            return;
        }
        long parsed;
        try {
            parsed = EventId.parse(id);
        } catch (RuntimeException e) {
            unparsedIds++;
            return;
        }
        if (received == ids.length) {
            ids = Arrays.copyOf(ids, received * 2);
            arrivals = Arrays.copyOf(arrivals, received * 2);
            sent = Arrays.copyOf(sent, received * 2);
        }
        ids[received] = parsed;
        arrivals[received] = arrivalNanos;
        sent[received] = sentNanos;
        received++;
        benchEventsReceived.incrementAndGet();
    }

    /** The number after {@code key} in {@code json} (quoted or not), or -1. */
    static long number(String json, String key) {
        int at = json.indexOf(key);
        if (at < 0) {
            return -1;
        }
        int i = at + key.length();
        if (i < json.length() && json.charAt(i) == '"') {
            i++;
        }
        long value = 0;
        int digits = 0;
        for (; i < json.length() && Character.isDigit(json.charAt(i)); i++, digits++) {
            value = value * 10 + (json.charAt(i) - '0');
        }
        return digits == 0 ? -1 : value;
    }

    /** Closes the stream and waits for the reading thread. */
    void stop() throws InterruptedException {
        stopRequested = true;
        SseConnection open = connection;
        if (open != null) {
            open.close();
        }
        if (reader != null) {
            reader.join(10_000);
        }
    }
}
