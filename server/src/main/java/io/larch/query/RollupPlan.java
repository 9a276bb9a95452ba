package io.larch.query;

import io.larch.meta.PartRecord;
import io.larch.storage.PartSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * How an aggregation splits between part rollups and raw rows. Rollups hold counts per minute,
 * level and fingerprint, so they can answer a query that filters only by project, kind, level,
 * fingerprint and time, over the whole minutes of its time range. The partial minutes at either
 * end of the range (the "edges") and parts without a rollup are read raw. The head is always
 * read raw, in Java.
 *
 * @param rollupFilter  the query's level and fingerprint conditions, for rollup rows
 * @param fullFrom      first whole minute covered by rollups
 * @param fullTo        end (exclusive) of the last whole minute covered by rollups
 * @param edges         raw queries for the partial minutes at the ends, each with its own time range
 */
record RollupPlan(Query rollupFilter, long fullFrom, long fullTo, List<Query> edges) {

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
        List<Query> edges = new ArrayList<>();
        if (from != Long.MIN_VALUE && from < fullFrom) {
            edges.add(Query.and(List.of(query, new Query.TimeWithin(from, fullFrom))));
        }
        if (to != Long.MAX_VALUE && fullTo < to) {
            edges.add(Query.and(List.of(query, new Query.TimeWithin(fullTo, to))));
        }
        return new RollupPlan(Query.and(rowFilter), fullFrom, fullTo, edges);
    }

    /** The whole-minute part of the query, for parts without a rollup. */
    Query rawMiddle(Query query) {
        return Query.and(List.of(query, new Query.TimeWithin(fullFrom, fullTo)));
    }

    /** SQL condition on rollup rows: within the whole minutes, and the level and fingerprint filter. */
    CompiledSql rollupWhere() {
        CompiledSql filter = SqlCompiler.compile(rollupFilter);
        List<Object> parameters = new ArrayList<>(filter.parameters());
        parameters.add(0, fullFrom);
        parameters.add(1, fullTo);
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
