package io.larch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loads M generated events through the HTTP API, seals them, then times a fixed suite of
 * queries (median and p90 of repeated runs after warm-up).
 */
public final class QueryBench {
    /** One query of the suite: where it goes and how to tell its answer is right-sized. */
    public record Case(String name, String path, Map<String, String> params) {
    }

    public record Timing(String name, double medianMillis, double p90Millis, String answer) {
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("query", name);
            map.put("medianMs", medianMillis);
            map.put("p90Ms", p90Millis);
            map.put("answer", answer);
            return map;
        }
    }

    private QueryBench() {
    }

    /** Loads {@code total} events spread over the 24 hours before {@code end}; returns events/s. */
    public static double load(String url, String token, long total, int clients, List<String> loghub, Instant end)
            throws InterruptedException {
        return load(url, token, total, clients, loghub, end, Duration.ofDays(1));
    }

    /** Loads {@code total} events spread over the {@code span} before {@code end}; returns events/s. */
    public static double load(String url, String token, long total, int clients, List<String> loghub, Instant end,
                              Duration span) throws InterruptedException {
        int batch = 250;
        AtomicLong failures = new AtomicLong();
        long started = System.nanoTime();
        SharedSequence sequence = new SharedSequence(total);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofPlatform().start(() -> {
                // Clients take the next block of one sequence: together they send the span's events in
                // time order, like live traffic.
                EventGenerator generator = new EventGenerator(77 + client, loghub, end.minus(span), span.toMillis(), 0);
                BenchHttp http = new BenchHttp(url);
                for (long first = sequence.claim(batch); first >= 0; first = sequence.claim(batch)) {
                    generator.seek(first);
                    byte[] body = generator.batch(sequence.sizeAt(first, batch), total).getBytes(StandardCharsets.UTF_8);
                    for (int attempt = 0; ; attempt++) {
                        try {
                            http.post("/api/log", token, body);
                            break;
                        } catch (Exception e) {
                            failures.incrementAndGet();
                            if (attempt > 100) {
                                throw new IllegalStateException("load failed: " + e.getMessage(), e);
                            }
                            sleep(200);
                        }
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failures.get() > 0) {
            System.err.println("load: " + failures.get() + " requests were retried (503 back-pressure or errors)");
        }
        return total / ((System.nanoTime() - started) / 1e9);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The suite: the questions people open a log tool for. {@code end} is the newest event's time. */
    public static List<Case> suite(Instant end) {
        String dayStart = end.minus(Duration.ofDays(1)).toString();
        String dayEnd = end.plusSeconds(1).toString();
        String hourStart = end.minus(Duration.ofHours(3)).toString();
        String hourEnd = end.minus(Duration.ofHours(2)).toString();
        return List.of(
                new Case("needle word, latest 100", "/api/log", Map.of("q", EventGenerator.NEEDLE_WORD, "limit", "100")),
                new Case("common word, latest 100", "/api/log", Map.of("q", EventGenerator.COMMON_WORD, "limit", "100")),
                new Case("level=error count, 1 h range", "/api/log/stats",
                        Map.of("level", "error", "from", hourStart, "to", hourEnd)),
                new Case("top-10 fingerprints, 1 day", "/api/log/top",
                        Map.of("field", "fingerprint", "limit", "10", "from", dayStart, "to", dayEnd)),
                new Case("per-minute histogram, 1 day", "/api/log/histogram",
                        Map.of("interval", "1m", "from", dayStart, "to", dayEnd)),
                new Case("latest 100 for one userId", "/api/log", Map.of("q", "user:u4242", "limit", "100")));
    }

    public static List<Timing> run(String url, String token, List<Case> cases, int warmups, int runs) throws Exception {
        BenchHttp http = new BenchHttp(url);
        List<Timing> timings = new ArrayList<>();
        for (Case c : cases) {
            JsonNode answer = WarmUp.repeat(warmups, () -> http.get(c.path(), token, c.params()));
            double[] millis = new double[runs];
            for (int i = 0; i < runs; i++) {
                long started = System.nanoTime();
                answer = http.get(c.path(), token, c.params());
                millis[i] = (System.nanoTime() - started) / 1e6;
            }
            Arrays.sort(millis);
            timings.add(new Timing(c.name(), round(millis[runs / 2]), round(millis[(int) Math.min(runs - 1, Math.ceil(runs * 0.9) - 1)]),
                    describe(answer)));
        }
        return timings;
    }

    static String describe(JsonNode answer) {
        if (answer == null) {
            return "";
        }
        if (answer.has("events")) {
            return answer.get("events").size() + " events";
        }
        if (answer.has("total")) {
            return answer.get("total").asLong() + " events";
        }
        if (answer.has("values")) {
            return answer.get("values").size() + " values, top count "
                    + (answer.get("values").isEmpty() ? 0 : answer.get("values").get(0).get("count").asLong());
        }
        if (answer.has("buckets")) {
            long sum = 0;
            for (JsonNode bucket : answer.get("buckets")) {
                sum += bucket.get("count").asLong();
            }
            return answer.get("buckets").size() + " buckets, " + sum + " events";
        }
        return "";
    }

    private static double round(double millis) {
        return Math.round(millis * 10) / 10.0;
    }
}
