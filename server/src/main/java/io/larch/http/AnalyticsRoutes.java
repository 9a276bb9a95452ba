package io.larch.http;

import io.javalin.http.Context;
import io.larch.aggregate.Aggregations;
import io.larch.aggregate.Aggregator;
import io.larch.aggregate.GroupField;
import io.larch.config.ConfigLoader;
import io.larch.meta.Project;
import io.larch.model.InvalidInputException;
import io.larch.query.SearchFilters;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /api/log/histogram}, {@code /api/log/top}, {@code /api/log/stats}: counts with the search filters. */
final class AnalyticsRoutes {
    /** Auto intervals, smallest first; the first giving at most ~{@link #AUTO_BUCKETS} buckets wins. */
    private static final List<Duration> NICE_INTERVALS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(3),
            Duration.ofHours(6), Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(7));
    private static final int AUTO_BUCKETS = 120;
    /** The longest histogram interval: ten years is one bucket for any range anyone asks. */
    private static final Duration MAX_INTERVAL = Duration.ofDays(3650);

    private final Aggregator aggregator;
    private final QueryGate gate;
    private final Clock clock;

    AnalyticsRoutes(Aggregator aggregator, QueryGate gate, Clock clock) {
        this.aggregator = aggregator;
        this.gate = gate;
        this.clock = clock;
    }

    void install(RouteTable routes) {
        routes.get("/api/log/histogram", Access.READ, this::histogram);
        routes.get("/api/log/top", Access.READ, this::top);
        routes.get("/api/log/stats", Access.READ, this::stats);
    }

    private void histogram(Context ctx, Grant access) {
        Project project = access.project();
        long now = clock.millis();
        SearchFilters filters = LogFilters.of(ctx, project, now);
        long from = filters.fromMillis();
        long to = filters.toMillis() != Long.MAX_VALUE || from == Long.MIN_VALUE ? filters.toMillis() : now;
        long interval = interval(ctx.queryParam("interval"), from, to);
        Aggregations.Histogram histogram = gate.run(ctx, access.caller(), budget -> aggregator.histogram(filters.query(), interval, from, to, budget));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("intervalMs", histogram.intervalMillis());
        body.put("buckets", histogram.buckets().stream().map(b -> {
            Map<String, Object> bucket = new LinkedHashMap<>();
            bucket.put("ts", Instant.ofEpochMilli(b.bucketStart()).toString());
            bucket.put("count", b.count());
            bucket.put("levels", b.byLevel());
            return bucket;
        }).toList());
        addCompleteness(body, filters);
        ctx.json(body);
    }

    /** Says when quarantined parts (damaged files) could have held matches: the counts may be short. */
    private void addCompleteness(Map<String, Object> body, SearchFilters filters) {
        int skipped = aggregator.partsSkipped(filters.query());
        if (skipped > 0) {
            body.put("partial", true);
            body.put("partsSkipped", skipped);
        }
    }

    private static long interval(String text, long from, long to) {
        if (text != null && !text.isBlank()) {
            long millis;
            try {
                millis = ConfigLoader.parseDuration(text).toMillis();
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("interval: expected a duration like 30s, 1m, 5m, 1h or 1d, got '" + text + "'");
            }
            if (millis <= 0 || millis > MAX_INTERVAL.toMillis()) {
                throw new InvalidInputException("interval: must be longer than zero and at most "
                        + MAX_INTERVAL.toDays() + "d, got '" + text + "'");
            }
            return millis;
        }
        if (from == Long.MIN_VALUE || to == Long.MAX_VALUE) {
            return Duration.ofHours(1).toMillis();
        }
        for (Duration nice : NICE_INTERVALS) {
            if ((to - from) / nice.toMillis() <= AUTO_BUCKETS) {
                return nice.toMillis();
            }
        }
        return NICE_INTERVALS.getLast().toMillis();
    }

    private void top(Context ctx, Grant access) {
        Project project = access.project();
        SearchFilters filters = LogFilters.of(ctx, project, clock.millis());
        int limit = LogFilters.intParam(ctx, "limit", 10, 1, Aggregator.MAX_TOP);
        GroupField field = GroupField.parse(ctx.queryParam("field"));
        Aggregations.Top top = gate.run(ctx, access.caller(), budget -> aggregator.top(filters.query(), field, limit, budget));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("field", top.field());
        body.put("values", top.values().stream().map(v -> {
            Map<String, Object> value = new LinkedHashMap<>();
            value.put("value", v.value());
            value.put("count", v.count());
            value.put("firstSeen", Instant.ofEpochMilli(v.firstSeen()).toString());
            value.put("lastSeen", Instant.ofEpochMilli(v.lastSeen()).toString());
            value.put("sample", v.sample());
            return value;
        }).toList());
        addCompleteness(body, filters);
        ctx.json(body);
    }

    private void stats(Context ctx, Grant access) {
        Project project = access.project();
        SearchFilters filters = LogFilters.of(ctx, project, clock.millis());
        Aggregations.Stats stats = gate.run(ctx, access.caller(), budget -> aggregator.stats(filters.query(), budget));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", stats.total());
        body.put("byLevel", stats.byLevel());
        body.put("byKind", stats.byKind());
        body.put("errorRate", stats.errorRate());
        addCompleteness(body, filters);
        ctx.json(body);
    }
}
