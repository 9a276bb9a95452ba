package io.larch.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * N concurrent HTTP clients post batches for a fixed time; reports events/s and request latency.
 * Bodies are generated before the clock starts, so the generator does not compete for the CPU.
 */
public final class IngestBench {
    /** What one run measured. */
    public record Result(int clients, int batchSize, double seconds, long events, double eventsPerSecond,
                         double p50Millis, double p99Millis, double p999Millis, double maxMillis, long errors) {
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("clients", clients);
            map.put("batchSize", batchSize);
            map.put("seconds", seconds);
            map.put("events", events);
            map.put("eventsPerSecond", Math.round(eventsPerSecond));
            map.put("latencyP50Ms", p50Millis);
            map.put("latencyP99Ms", p99Millis);
            map.put("latencyP999Ms", p999Millis);
            map.put("latencyMaxMs", maxMillis);
            map.put("errors", errors);
            return map;
        }
    }

    private IngestBench() {
    }

    /** Posts batches to {@code path} with {@code token} until {@code duration} has passed. */
    public static Result run(String url, String path, String token, int clients, int batchSize, Duration duration,
                             List<String> loghub, int bodiesPerClient) throws InterruptedException {
        return run(url, path, token, clients, batchSize, Duration.ZERO, duration, loghub, bodiesPerClient);
    }

    /** As above, after {@code warmup} of the same load that is not measured (JIT compilation, caches). */
    public static Result run(String url, String path, String token, int clients, int batchSize, Duration warmup,
                             Duration duration, List<String> loghub, int bodiesPerClient) throws InterruptedException {
        return run(url, clients, batchSize, warmup, duration, loghub, bodiesPerClient,
                http -> body -> http.post(path, token, (byte[]) body));
    }

    /** Makes the sender of one client thread from its own HTTP client. */
    @FunctionalInterface
    public interface SenderFactory {
        Sender forClient(BenchHttp http);
    }

    /** As above, each client thread sending through the sender {@code senders} makes for it. */
    public static Result run(String url, int clients, int batchSize, Duration warmup, Duration duration,
                             List<String> loghub, int bodiesPerClient, SenderFactory senders) throws InterruptedException {
        List<List<Object>> bodies = new ArrayList<>();
        long total = (long) clients * bodiesPerClient * batchSize;
        for (int c = 0; c < clients; c++) {
            EventGenerator generator = new EventGenerator(1000 + c, loghub, Instant.now().minus(Duration.ofHours(1)),
                    Duration.ofHours(1).toMillis(), (long) c * bodiesPerClient * batchSize);
            List<Object> mine = new ArrayList<>();
            for (int b = 0; b < bodiesPerClient; b++) {
                mine.add(generator.batch(batchSize, total).getBytes(StandardCharsets.UTF_8));
            }
            bodies.add(mine);
        }
        ThreadLocal<Sender> sender = ThreadLocal.withInitial(() -> senders.forClient(new BenchHttp(url)));
        return run(bodies, body -> sender.get().send(body), batchSize, warmup, duration);
    }

    /** Sends one prepared batch and returns when it is acknowledged. */
    @FunctionalInterface
    public interface Sender {
        void send(Object body) throws Exception;
    }

    /**
     * One client thread per list in {@code bodiesPerClient}, each sending its prepared bodies in a
     * loop for {@code warmup} (not measured) and then {@code duration}.
     */
    public static Result run(List<List<Object>> bodiesPerClient, Sender sender, int batchSize, Duration warmup,
                             Duration duration) throws InterruptedException {
        Histogram latency = new Histogram(Duration.ofMinutes(1).toNanos(), 3);
        AtomicLong events = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long warmupEnds = System.nanoTime() + warmup.toNanos();
        long deadline = warmupEnds + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (List<Object> mine : bodiesPerClient) {
            threads.add(Thread.ofPlatform().start(() -> {
                Histogram local = new Histogram(Duration.ofMinutes(1).toNanos(), 3);
                int next = 0;
                while (System.nanoTime() < deadline) {
                    long sent = System.nanoTime();
                    boolean measured = sent >= warmupEnds;
                    try {
                        sender.send(mine.get(next++ % mine.size()));
                        if (measured) {
                            local.recordValue(Math.min(System.nanoTime() - sent, local.getHighestTrackableValue()));
                            events.addAndGet(batchSize);
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
                synchronized (latency) {
                    latency.add(local);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - warmupEnds) / 1e9;
        return new Result(bodiesPerClient.size(), batchSize, seconds, events.get(), events.get() / seconds,
                latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
                latency.getValueAtPercentile(99.9) / 1e6, latency.getMaxValue() / 1e6, errors.get());
    }
}
