package io.larch.bench.peers;

import io.larch.bench.EventGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Events sent to a system at a fixed rate while something else is measured: batch k is due at
 * {@code k * batch / rate} seconds after the start, taken by whichever sender is free (so a slow
 * request delays no other); a sender that is late sends at once, and the achieved rate is
 * reported. Timestamps are the wall clock, as a live app's are. Stops by itself after
 * {@link #MAX_DURATION}.
 */
final class LiveIngest {
    private static final int SENDERS = 8;
    static final Duration MAX_DURATION = Duration.ofMinutes(20);

    private final List<Thread> senders = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong nextBatch = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final long startedNanos = System.nanoTime();

    private LiveIngest() {
    }

    static LiveIngest start(PeerSystem system, String dataset, double eventsPerSecond, int batchSize, List<String> loghub) {
        LiveIngest live = new LiveIngest();
        long total = (long) (eventsPerSecond * MAX_DURATION.toSeconds());
        long nanosPerBatch = (long) (batchSize * 1e9 / eventsPerSecond);
        Instant start = Instant.now();
        for (int s = 0; s < SENDERS; s++) {
            EventGenerator generator = new EventGenerator(5000 + s, loghub, start, MAX_DURATION.toMillis(), 0);
            live.senders.add(Thread.ofPlatform().name("live-ingest-" + s).start(() -> live.send(system, dataset, generator,
                    batchSize, total, nanosPerBatch)));
        }
        return live;
    }

    private void send(PeerSystem system, String dataset, EventGenerator generator, int batchSize, long total,
                      long nanosPerBatch) {
        while (!stop.get()) {
            long batch = nextBatch.getAndIncrement();
            long due = startedNanos + batch * nanosPerBatch;
            if (due - startedNanos > MAX_DURATION.toNanos()) {
                return;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(wait));
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (stop.get()) {
                return;
            }
            // Each event's time is where the whole sequence puts it: the batch's position, not this sender's.
            generator.seek(batch * batchSize);
            List<String> events = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) {
                events.add(generator.next(total));
            }
            try {
                system.send(dataset, system.prepareBatch(dataset, events));
                sent.addAndGet(batchSize);
            } catch (Exception e) {
                failures.incrementAndGet();
            }
        }
    }

    /** Stops the senders; returns what was sent. */
    Map<String, Object> stop() throws InterruptedException {
        stop.set(true);
        for (Thread sender : senders) {
            sender.interrupt();
            sender.join();
        }
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("seconds", Math.round(seconds));
        stats.put("eventsSent", sent.get());
        stats.put("achievedEventsPerSecond", Math.round(sent.get() / seconds));
        stats.put("failedBatches", failures.get());
        return stats;
    }
}
