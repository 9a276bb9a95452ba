package io.larch.aggregate;

import io.larch.part.PartRecord;
import io.larch.part.PartSchema;
import io.larch.query.CompiledSql;
import io.larch.query.Field;
import io.larch.query.Query;
import io.larch.query.SqlCompiler;
import io.larch.search.Planner;
import java.util.ArrayList;
import java.util.List;

/**
 * How an aggregation splits between part rollups and raw rows. Rollups hold counts per minute,
 * level and fingerprint, so they can answer a query that filters only by project, kind, level,
 * fingerprint and time, over the whole minutes of its time range. The partial minutes at either
 * end of the range (the "edges") are read raw, except from parts whose events in that minute all
 * fall inside the range (then the rollup counts the whole minute) or all outside it (nothing to
 * count): see {@link #share}. Parts without a rollup are read raw; the head always is, in Java.
 *
 * @param rollupFilter  the query's level and fingerprint conditions, for rollup rows
 * @param fullFrom      first whole minute covered by rollups
 * @param fullTo        end (exclusive) of the last whole minute covered by rollups
 * @param startEdge     raw query for the partial minute before {@code fullFrom}, or null
 * @param endEdge       raw query for the partial minute from {@code fullTo}, or null
 * @param from          the query's own start (inclusive)
 * @param to            the query's own end (exclusive)
 */
record RollupPlan(Query rollupFilter, long fullFrom, long fullTo, Query startEdge, Query endEdge, long from, long to) {

    /**
     * What one part with a rollup contributes: its rollup answers the minutes
     * {@code [rollupFrom, rollupTo)} (the whole minutes, plus an edge minute its events fall
     * wholly inside), and it is read raw at an edge only where its events straddle the range's end.
     */
    record PartShare(PartRecord part, MinuteCounts.PartCounts minutes, long rollupFrom, long rollupTo, boolean rawStart,
                     boolean rawEnd) {
    }

    /** The plan for {@code query}, or null when rollups cannot answer it. */
    static RollupPlan of(Query query) {
        List<Query> clauses = query instanceof Query.And and ? and.clauses() : List.of(query);
        List<Query> rowFilter = new ArrayList<>();
        long from = Long.MIN_VALUE;
        long to = Long.MAX_VALUE;
        for (Query clause : clauses) {
            switch (clause) {
                case Query.ProjectIs project -> {
                }
                case Query.KindIn kinds -> {
                }
                case Query.All all -> {
                }
                case Query.LevelIn levels -> rowFilter.add(levels);
                case Query.LevelCompare compare -> rowFilter.add(compare);
                case Query.FieldEquals equals when equals.field() == Field.FINGERPRINT -> rowFilter.add(equals);
                case Query.TimeWithin within -> {
                    from = Math.max(from, within.fromMillis());
                    to = Math.min(to, within.toMillis());
                }
                default -> {
                    return null;
                }
            }
        }
        long minute = PartSchema.ROLLUP_MILLIS;
        long fullFrom = from == Long.MIN_VALUE ? Long.MIN_VALUE : Math.floorDiv(from + minute - 1, minute) * minute;
        long fullTo = to == Long.MAX_VALUE ? Long.MAX_VALUE : Math.floorDiv(to, minute) * minute;
        if (fullFrom >= fullTo) {
            return null;
        }
        Query startEdge = from != Long.MIN_VALUE && from < fullFrom
                ? Query.and(List.of(query, new Query.TimeWithin(from, fullFrom))) : null;
        Query endEdge = to != Long.MAX_VALUE && fullTo < to
                ? Query.and(List.of(query, new Query.TimeWithin(fullTo, to))) : null;
        return new RollupPlan(Query.and(rowFilter), fullFrom, fullTo, startEdge, endEdge, from, to);
    }

    /** The share of {@code part}, from its per-minute time bounds. */
    PartShare share(PartRecord part, MinuteCounts.PartCounts minutes) {
        long minute = PartSchema.ROLLUP_MILLIS;
        long rollupFrom = fullFrom;
        long rollupTo = fullTo;
        boolean rawStart = false;
        boolean rawEnd = false;
        if (startEdge != null) {
            int m = minutes.indexOf(fullFrom - minute);
            if (m >= 0 && minutes.minTs()[m] >= from) {
                rollupFrom = fullFrom - minute;
            } else if (m >= 0 && minutes.maxTs()[m] >= from) {
                rawStart = true;
            }
        }
        if (endEdge != null) {
            int m = minutes.indexOf(fullTo);
            if (m >= 0 && minutes.maxTs()[m] < to) {
                rollupTo = fullTo + minute;
            } else if (m >= 0 && minutes.minTs()[m] < to) {
                rawEnd = true;
            }
        }
        return new PartShare(part, minutes, rollupFrom, rollupTo, rawStart, rawEnd);
    }

    /** The whole-minute part of the query, for parts without a rollup. */
    Query rawMiddle(Query query) {
        return Query.and(List.of(query, new Query.TimeWithin(fullFrom, fullTo)));
    }

    /** SQL condition on rollup rows: within {@code [minuteFrom, minuteTo)}, and the level and fingerprint filter. */
    CompiledSql rollupWhere(long minuteFrom, long minuteTo) {
        CompiledSql filter = SqlCompiler.compile(rollupFilter);
        List<Object> parameters = new ArrayList<>(filter.parameters());
        parameters.add(0, minuteFrom);
        parameters.add(1, minuteTo);
        return new CompiledSql("minute >= ? AND minute < ? AND " + filter.expression(), parameters);
    }

    /** Whether rollup rows need filtering by fingerprint (else per-minute level counts suffice). */
    boolean filtersFingerprint() {
        List<Query> clauses = rollupFilter instanceof Query.And and ? and.clauses() : List.of(rollupFilter);
        return clauses.stream().anyMatch(q -> q instanceof Query.FieldEquals);
    }

    /** Bit n set when severity n passes the level conditions. */
    int levelMask() {
        return Planner.bounds(rollupFilter).levelMask();
    }

    /** Whether a part's rows can fall in the whole minutes. */
    boolean covers(PartRecord part) {
        return part.maxTs() >= fullFrom && part.minTs() < fullTo;
    }
}
