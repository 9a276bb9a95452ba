package io.larch.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the head costs a query: M events loaded and sealed, then the suite timed with an empty
 * head and again with each of {@code headSizes} events unsealed (WAL segments large enough that
 * none rotates; timestamps now, as live events are). The head's share of a query is its time with
 * that head less its time with none, over its time with that head.
 */
public final class HeadShareBench {
    private HeadShareBench() {
    }

    public static Map<String, Object> run(java.nio.file.Path jar, java.nio.file.Path dir, long events, List<Long> headSizes,
                                          int warmups, int runs, List<String> loghub) throws Exception {
        long largest = headSizes.stream().mapToLong(Long::longValue).max().orElse(0);
        Map<String, String> env = Map.of("LARCH_WAL_SEGMENT_MAX_BYTES", "1900MB", "LARCH_WAL_SEGMENT_MAX_AGE", "24h",
                "LARCH_HEAD_MAX_EVENTS", Long.toString(largest + 1_000_000));
        Map<String, Object> result = new LinkedHashMap<>();
        try (LarchProcess larch = LarchProcess.start(jar, dir, env)) {
            String key = BenchMain.createProject(larch.url());
            Instant end = Instant.now().minusSeconds(60);
            QueryBench.load(larch.url(), key, events, 4, loghub, end);
            BenchHttp http = new BenchHttp(larch.url());
            http.postJson("/admin/maintain", LarchProcess.ADMIN_TOKEN, "");
            List<Map<String, Object>> stages = new ArrayList<>();
            long inHead = 0;
            for (long target : prepend(0L, headSizes)) {
                inHead += addToHead(larch.url(), key, target - inHead, loghub);
                Map<String, Object> stage = new LinkedHashMap<>();
                stage.put("headEvents", (long) (double) BenchMain.metrics(larch.url()).get("larch_head_events"));
                stage.put("headIndexBytes", BenchMain.metrics(larch.url()).get("larch_head_index_bytes"));
                List<Map<String, Object>> timings = new ArrayList<>();
                for (QueryBench.Timing timing : QueryBench.run(larch.url(), key, QueryBench.suite(Instant.now()), warmups, runs)) {
                    timings.add(timing.toMap());
                }
                stage.put("queries", timings);
                stages.add(stage);
                System.err.println("  head of " + stage.get("headEvents") + " events timed");
            }
            result.put("events", events);
            result.put("stages", stages);
        }
        return result;
    }

    private static List<Long> prepend(long first, List<Long> rest) {
        List<Long> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    /** Sends {@code count} events stamped with the last minute; returns how many were sent. */
    private static long addToHead(String url, String key, long count, List<String> loghub) throws InterruptedException {
        if (count > 0) {
            QueryBench.load(url, key, count, 2, loghub, Instant.now(), Duration.ofMinutes(1));
        }
        return Math.max(0, count);
    }
}
