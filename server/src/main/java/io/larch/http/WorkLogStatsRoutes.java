package io.larch.http;

import io.javalin.http.Context;
import io.larch.aggregate.Aggregations;
import io.larch.aggregate.Aggregator;
import io.larch.model.InvalidInputException;
import io.larch.query.Query;
import io.larch.query.TimeExpressions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/work-log/stats}: work-log entries per UTC day of their creation, by
 * {@code logType} and latest {@code status}, for the whole project or one user ({@code userId},
 * and {@code conversationId}); a viewer token counts only its own user (and conversation). Runs
 * through the {@link QueryGate}, like every count: a time budget, cancelled when the client leaves.
 */
final class WorkLogStatsRoutes {
    static final Duration DEFAULT_RANGE = Duration.ofDays(30);

    private final Aggregator aggregator;
    private final QueryGate gate;
    private final Clock clock;

    WorkLogStatsRoutes(Aggregator aggregator, QueryGate gate, Clock clock) {
        this.aggregator = aggregator;
        this.gate = gate;
        this.clock = clock;
    }

    void install(RouteTable routes) {
        routes.get("/api/work-log/stats", Access.WORK_LOG_READ, this::stats);
    }

    private void stats(Context ctx, Grant grant) {
        WorkLogScope scope = WorkLogScope.of(ctx, grant);
        long now = clock.millis();
        long from = time(ctx, "from", now - DEFAULT_RANGE.toMillis(), now);
        // Exclusive, so by default one past now: an entry made this very millisecond counts.
        long to = time(ctx, "to", now + 1, now);
        if (from >= to) {
            throw new InvalidInputException("from must be before to (from=" + TimeExpressions.iso(from) + ", to="
                    + TimeExpressions.iso(to) + ")");
        }
        Query query = scope.query();
        Aggregations.WorkLogStats stats = gate.run(ctx, grant.caller(), budget -> aggregator.workLogStats(query, from, to, budget));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("from", Instant.ofEpochMilli(from).toString());
        body.put("to", Instant.ofEpochMilli(to).toString());
        body.put("days", stats.days().stream().map(day -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("day", Instant.ofEpochMilli(day.dayStartMillis()).atOffset(ZoneOffset.UTC).toLocalDate().toString());
            entry.put("counts", day.counts().stream().map(count -> {
                Map<String, Object> cell = new LinkedHashMap<>();
                cell.put("logType", count.logType());
                cell.put("status", count.status());
                cell.put("count", count.count());
                return cell;
            }).toList());
            return entry;
        }).toList());
        body.put("total", stats.total());
        int skipped = aggregator.partsSkipped(Query.and(List.of(query, new Query.TimeWithin(from, Long.MAX_VALUE))));
        if (skipped > 0) {
            body.put("partial", true);
            body.put("partsSkipped", skipped);
        }
        ctx.json(body);
    }

    private static long time(Context ctx, String name, long defaultMillis, long now) {
        String text = ctx.queryParam(name);
        return text == null || text.isBlank() ? defaultMillis : TimeExpressions.parse(name, text, now);
    }
}
