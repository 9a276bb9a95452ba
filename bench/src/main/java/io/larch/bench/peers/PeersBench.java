package io.larch.bench.peers;

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
import java.util.function.Supplier;

/**
 * The same workload against each system in turn, on this machine, in one run: an ingest
 * benchmark (prepared batches, concurrent clients, warm-up, then a measured period), a load of
 * M events spread over a day, then the query suite and the disk the data takes.
 */
public final class PeersBench {
    /** What one run does. */
    public record Options(int clients, int batchSize, Duration warmup, Duration ingestDuration, long events,
                          int loadClients, int warmupRuns, int runs, List<String> loghub) {
    }

    private PeersBench() {
    }

    public static Map<String, Object> run(PeerSystem system, Options options) throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("system", system.name());
        result.put("ingest", ingest(system, options).toMap());
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
        result.put("queries", suite(system, end, options));
        return result;
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
        for (int c = 0; c < options.loadClients(); c++) {
            int client = c;
            threads.add(Thread.ofPlatform().start(() -> {
                EventGenerator generator = new EventGenerator(77 + client, options.loghub(), end.minus(Duration.ofDays(1)),
                        Duration.ofDays(1).toMillis(), 0);
                try {
                    for (long first = sequence.claim(250); first >= 0; first = sequence.claim(250)) {
                        generator.seek(first);
                        int size = sequence.sizeAt(first, 250);
                        system.send("logs", system.prepareBatch("logs", events(generator, size, options.events())));
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

    private static List<Map<String, Object>> suite(PeerSystem system, Instant end, Options options) throws Exception {
        long day = Duration.ofDays(1).toMillis();
        long endMillis = end.toEpochMilli() + 1000;
        long hourFrom = end.minus(Duration.ofHours(3)).toEpochMilli();
        List<Map.Entry<String, Supplier<PeerSystem.SuiteQuery>>> cases = List.of(
                Map.entry("needle word, latest 100", () -> q(PeerSystem.SuiteQuery.Kind.LATEST_WITH_WORD, EventGenerator.NEEDLE_WORD, 0, 0)),
                Map.entry("common word, latest 100", () -> q(PeerSystem.SuiteQuery.Kind.LATEST_WITH_WORD, EventGenerator.COMMON_WORD, 0, 0)),
                Map.entry("level=error count, 1 h range", () -> q(PeerSystem.SuiteQuery.Kind.ERROR_COUNT, null, hourFrom, hourFrom + 3_600_000)),
                Map.entry("top-10 fingerprints, 1 day", () -> q(PeerSystem.SuiteQuery.Kind.TOP_FINGERPRINTS, null, endMillis - day, endMillis)),
                Map.entry("per-minute histogram, 1 day", () -> q(PeerSystem.SuiteQuery.Kind.MINUTE_HISTOGRAM, null, endMillis - day, endMillis)),
                Map.entry("latest 100 for one userId", () -> q(PeerSystem.SuiteQuery.Kind.LATEST_FOR_USER, "u4242", 0, 0)));
        List<Map<String, Object>> timings = new ArrayList<>();
        for (Map.Entry<String, Supplier<PeerSystem.SuiteQuery>> c : cases) {
            PeerSystem.SuiteQuery query = c.getValue().get();
            String answer = WarmUp.repeat(options.warmupRuns(), () -> system.query("logs", query));
            double[] millis = new double[options.runs()];
            for (int i = 0; i < options.runs(); i++) {
                long started = System.nanoTime();
                answer = system.query("logs", query);
                millis[i] = (System.nanoTime() - started) / 1e6;
            }
            Arrays.sort(millis);
            Map<String, Object> timing = new LinkedHashMap<>();
            timing.put("query", c.getKey());
            timing.put("medianMs", Math.round(millis[millis.length / 2] * 10) / 10.0);
            timing.put("p90Ms", Math.round(millis[(int) Math.ceil(millis.length * 0.9) - 1] * 10) / 10.0);
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
