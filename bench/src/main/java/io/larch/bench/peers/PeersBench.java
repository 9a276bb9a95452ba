package io.larch.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.bench.EventGenerator;
import io.larch.bench.IngestBench;
import io.larch.bench.SharedSequence;
import io.larch.bench.WarmUp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The same workload against each system in turn, on this machine, in one run: an ingest
 * benchmark (prepared batches, concurrent clients, warm-up, then a measured period), a load of
 * M events spread over a day, then the query suite and the disk the data takes; then, for each of
 * {@link Options#liveRates}, the suite again while events keep arriving at that rate
 * ({@link LiveIngest}), as a live server is queried.
 */
public final class PeersBench {
    /**
     * What one run does. {@code liveRates}: events per second of each live phase, either a number
     * or a share of the system's own measured ingest rate ("50%"); empty for none.
     */
    public record Options(int clients, int batchSize, Duration warmup, Duration ingestDuration, long events,
                          int loadClients, int warmupRuns, int runs, List<String> loghub, List<String> liveRates,
                          int liveRuns) {
    }

    /** A real user and conversation of the loaded work events, for the work-log reads. */
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicReference<String> WORK_LOG_PAIR = new AtomicReference<>("u1\tconv-1");

    private PeersBench() {
    }

    public static Map<String, Object> run(PeerSystem system, Options options) throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("system", system.name());
        IngestBench.Result ingest = ingest(system, options);
        result.put("ingest", ingest.toMap());
        Instant end = Instant.now().minusSeconds(60);
        system.createDataset("logs");
        long loadStarted = System.nanoTime();
        load(system, options, end);
        double loadSeconds = (System.nanoTime() - loadStarted) / 1e9;
        long settleStarted = System.nanoTime();
        system.settle("logs");
        result.put("loadEventsPerSecond", Math.round(options.events() / loadSeconds));
        result.put("settleSeconds", Math.round((System.nanoTime() - settleStarted) / 1e8) / 10.0);
        long bytes = system.diskBytes("logs");
        result.put("diskBytes", bytes);
        result.put("bytesPerEvent", Math.round(bytes * 10.0 / options.events()) / 10.0);
        result.put("queries", suite(system, () -> end, options.warmupRuns(), options.runs()));
        List<Map<String, Object>> live = new ArrayList<>();
        for (String rate : options.liveRates()) {
            double eventsPerSecond = rate.endsWith("%")
                    ? ingest.eventsPerSecond() * Double.parseDouble(rate.substring(0, rate.length() - 1)) / 100
                    : Double.parseDouble(rate);
            live.add(live(system, options, rate, eventsPerSecond));
        }
        if (!live.isEmpty()) {
            result.put("live", live);
        }
        return result;
    }

    /**
     * The suite while {@code eventsPerSecond} keep arriving (timestamps now, so they land in the
     * day's range and, on Larch, in the head until their segment is sealed); ranges end now.
     */
    private static Map<String, Object> live(PeerSystem system, Options options, String rate, double eventsPerSecond)
            throws Exception {
        System.err.println("  live phase at " + Math.round(eventsPerSecond) + " events/s (" + rate + ")");
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("rate", rate);
        phase.put("targetEventsPerSecond", Math.round(eventsPerSecond));
        LiveIngest ingest = LiveIngest.start(system, "logs", eventsPerSecond, options.batchSize(), options.loghub());
        try {
            // Let the head fill and the first segments seal before timing.
            Thread.sleep(10_000);
            phase.put("queries", suite(system, Instant::now, Math.min(options.warmupRuns(), 20), options.liveRuns()));
        } finally {
            phase.putAll(ingest.stop());
        }
        return phase;
    }

    private static IngestBench.Result ingest(PeerSystem system, Options options) throws Exception {
        system.createDataset("ingest");
        List<List<Object>> bodies = new ArrayList<>();
        int perClient = 40;
        long total = (long) options.clients() * perClient * options.batchSize();
        for (int c = 0; c < options.clients(); c++) {
            EventGenerator generator = new EventGenerator(1000 + c, options.loghub(), Instant.now().minus(Duration.ofHours(1)),
                    Duration.ofHours(1).toMillis(), (long) c * perClient * options.batchSize());
            List<Object> mine = new ArrayList<>();
            for (int b = 0; b < perClient; b++) {
                mine.add(system.prepareBatch("ingest", events(generator, options.batchSize(), total)));
            }
            bodies.add(mine);
        }
        return IngestBench.run(bodies, body -> system.send("ingest", body), options.batchSize(), options.warmup(),
                options.ingestDuration());
    }

    private static List<String> events(EventGenerator generator, int count, long total) {
        List<String> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(generator.next(total));
        }
        return events;
    }

    /** M events over the day before {@code end}, the loaders interleaved in time like live traffic. */
    private static void load(PeerSystem system, Options options, Instant end) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        SharedSequence sequence = new SharedSequence(options.events());
        AtomicLong newestWorkEvent = new AtomicLong(Long.MIN_VALUE);
        for (int c = 0; c < options.loadClients(); c++) {
            int client = c;
            threads.add(Thread.ofPlatform().start(() -> {
                EventGenerator generator = new EventGenerator(77 + client, options.loghub(), end.minus(Duration.ofDays(1)),
                        Duration.ofDays(1).toMillis(), 0);
                try {
                    for (long first = sequence.claim(250); first >= 0; first = sequence.claim(250)) {
                        generator.seek(first);
                        int size = sequence.sizeAt(first, 250);
                        List<String> batch = events(generator, size, options.events());
                        rememberWorkLogPair(batch, newestWorkEvent);
                        system.send("logs", system.prepareBatch("logs", batch));
                    }
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }

    /** Keeps the user and conversation of the newest work event of {@code batch} if it is the newest seen. */
    private static void rememberWorkLogPair(List<String> batch, AtomicLong newest) throws Exception {
        for (int i = batch.size() - 1; i >= 0; i--) {
            if (batch.get(i).contains("\"conversationId\"")) {
                JsonNode event = JSON.readTree(batch.get(i));
                long seen = newest.get();
                long ts = event.get("ts").asLong();
                if (ts > seen && newest.compareAndSet(seen, ts)) {
                    WORK_LOG_PAIR.set(event.get("userId").asText() + "\t" + event.get("conversationId").asText());
                }
                return;
            }
        }
    }

    /**
     * The suite, each query warmed up and then timed {@code runs} times; the day's ranges end at
     * {@code end} (asked again for every run: a live phase's ranges move with the clock).
     */
    private static List<Map<String, Object>> suite(PeerSystem system, Supplier<Instant> end, int warmupRuns, int runs)
            throws Exception {
        long day = Duration.ofDays(1).toMillis();
        Instant loaded = end.get();
        long hourFrom = loaded.minus(Duration.ofHours(3)).toEpochMilli();
        String pair = WORK_LOG_PAIR.get();
        List<Map.Entry<String, Supplier<PeerSystem.SuiteQuery>>> cases = List.of(
                Map.entry("needle word, latest 100", () -> q(PeerSystem.SuiteQuery.Kind.LATEST_WITH_WORD, EventGenerator.NEEDLE_WORD, 0, 0)),
                Map.entry("common word, latest 100", () -> q(PeerSystem.SuiteQuery.Kind.LATEST_WITH_WORD, EventGenerator.COMMON_WORD, 0, 0)),
                Map.entry("level=error count, 1 h range", () -> q(PeerSystem.SuiteQuery.Kind.ERROR_COUNT, null, hourFrom, hourFrom + 3_600_000)),
                Map.entry("top-10 fingerprints, 1 day", () -> {
                    long to = end.get().toEpochMilli() + 1000;
                    return q(PeerSystem.SuiteQuery.Kind.TOP_FINGERPRINTS, null, to - day, to);
                }),
                Map.entry("per-minute histogram, 1 day", () -> {
                    long to = end.get().toEpochMilli() + 1000;
                    return q(PeerSystem.SuiteQuery.Kind.MINUTE_HISTOGRAM, null, to - day, to);
                }),
                Map.entry("latest 100 for one userId", () -> q(PeerSystem.SuiteQuery.Kind.LATEST_FOR_USER, "u4242", 0, 0)),
                Map.entry("work log: latest 50 of one user and conversation",
                        () -> q(PeerSystem.SuiteQuery.Kind.WORK_LOG_LATEST, pair, 0, 0)),
                Map.entry("work log: poll, one user's events of the last 2 s",
                        () -> q(PeerSystem.SuiteQuery.Kind.FEED_AFTER, "u4242", System.currentTimeMillis() - 2000, 0)));
        List<Map<String, Object>> timings = new ArrayList<>();
        for (Map.Entry<String, Supplier<PeerSystem.SuiteQuery>> c : cases) {
            String answer = WarmUp.repeat(warmupRuns, () -> system.query("logs", c.getValue().get()));
            double[] millis = new double[runs];
            for (int i = 0; i < runs; i++) {
                PeerSystem.SuiteQuery query = c.getValue().get();
                long started = System.nanoTime();
                answer = system.query("logs", query);
                millis[i] = (System.nanoTime() - started) / 1e6;
            }
            Arrays.sort(millis);
            Map<String, Object> timing = new LinkedHashMap<>();
            timing.put("query", c.getKey());
            timing.put("medianMs", Math.round(millis[millis.length / 2] * 10) / 10.0);
            timing.put("p90Ms", Math.round(millis[(int) Math.ceil(millis.length * 0.9) - 1] * 10) / 10.0);
            timing.put("p99Ms", Math.round(millis[(int) Math.ceil(millis.length * 0.99) - 1] * 10) / 10.0);
            timing.put("answer", answer);
            timings.add(timing);
        }
        return timings;
    }

    private static PeerSystem.SuiteQuery q(PeerSystem.SuiteQuery.Kind kind, String text, long from, long to) {
        return new PeerSystem.SuiteQuery(kind, text, from, to);
    }

    /** A markdown table of each system's numbers and Larch's ratio against it. */
    @SuppressWarnings("unchecked")
    public static String table(List<Map<String, Object>> results) {
        StringBuilder out = new StringBuilder("| measure |");
        results.forEach(r -> out.append(' ').append(r.get("system")).append(" |"));
        out.append("\n|---|").append("---|".repeat(results.size())).append('\n');
        row(out, results, "ingest events/s", r -> ((Map<String, Object>) r.get("ingest")).get("eventsPerSecond"));
        row(out, results, "ingest p99 latency ms", r -> ((Map<String, Object>) r.get("ingest")).get("latencyP99Ms"));
        row(out, results, "load of the query dataset, events/s", r -> r.get("loadEventsPerSecond"));
        row(out, results, "disk bytes per event", r -> r.get("bytesPerEvent"));
        List<Map<String, Object>> first = (List<Map<String, Object>>) results.getFirst().get("queries");
        for (int i = 0; i < first.size(); i++) {
            int index = i;
            row(out, results, first.get(i).get("query") + ", median ms",
                    r -> ((List<Map<String, Object>>) r.get("queries")).get(index).get("medianMs"));
        }
        return out.toString();
    }

    private static void row(StringBuilder out, List<Map<String, Object>> results, String name,
                            java.util.function.Function<Map<String, Object>, Object> value) {
        out.append("| ").append(name).append(" |");
        results.forEach(r -> out.append(' ').append(value.apply(r)).append(" |"));
        out.append('\n');
    }
}
