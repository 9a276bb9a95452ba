package io.larch.query;

import io.larch.meta.PartRecord;
import io.larch.model.Kind;
import io.larch.storage.PartPointReader;
import io.larch.storage.PartRowGroup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts raw part rows for aggregations whose filter is only project, kind, time and level (the
 * minutes at the ends of a range that rollups cannot answer): in Java, from the ts and level
 * columns of just the row groups whose time span meets the range. DuckDB costs ~3-4 ms per part
 * it opens for this; here it is a fraction of a millisecond. Parts this cannot read are left to
 * DuckDB.
 */
final class RawCounter {
    private static final Logger LOG = LoggerFactory.getLogger(RawCounter.class);

    private final PartPointReader reader;
    private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
    private final LongAdder rowGroupsRead = new LongAdder();

    RawCounter(PartPointReader reader) {
        this.reader = reader;
    }

    /** Row groups read here since start. */
    long rowGroupsRead() {
        return rowGroupsRead.sum();
    }

    /** Receives each counted row. */
    interface RowSink {
        void row(Kind kind, int severity, long ts);
    }

    /** Whether {@code query} is only a conjunction of project, kind, time and level conditions. */
    static boolean accepts(Query query) {
        List<Query> clauses = query instanceof Query.And and ? and.clauses() : List.of(query);
        for (Query clause : clauses) {
            boolean simple = clause instanceof Query.ProjectIs || clause instanceof Query.KindIn
                    || clause instanceof Query.TimeWithin || clause instanceof Query.LevelIn
                    || clause instanceof Query.LevelCompare;
            if (!simple) {
                return false;
            }
        }
        return true;
    }

    /**
     * Counts the rows of {@code scans} (whole parts chosen by {@link Planner} for {@code query},
     * which {@link #accepts} must accept) into {@code sink}; returns the scans it left for DuckDB.
     */
    List<PartScan> count(List<PartScan> scans, Query query, QueryBudget budget, RowSink sink) {
        Planner.Bounds bounds = Planner.bounds(query);
        record Counted(PartScan scan, long[] ts, int[] severity, int n, boolean failed) {
        }
        List<Counted> counted = scans.parallelStream().map(scan -> {
            budget.check();
            if (!scan.isWhole() || unreadable.contains(scan.part().name())) {
                return new Counted(scan, null, null, 0, true);
            }
            try {
                List<Long> ts = new ArrayList<>();
                List<Integer> severity = new ArrayList<>();
                matchingRows(scan.part(), bounds, ts, severity);
                return new Counted(scan, ts.stream().mapToLong(Long::longValue).toArray(),
                        severity.stream().mapToInt(Integer::intValue).toArray(), ts.size(), false);
            } catch (IOException e) {
                if (unreadable.add(scan.part().name())) {
                    LOG.warn("part {} cannot be counted in Java ({}); DuckDB counts it", scan.part().name(), e.getMessage());
                }
                return new Counted(scan, null, null, 0, true);
            }
        }).toList();
        List<PartScan> left = new ArrayList<>();
        for (Counted part : counted) {
            if (part.failed()) {
                left.add(part.scan());
                continue;
            }
            Kind kind = part.scan().part().kind();
            for (int i = 0; i < part.n(); i++) {
                sink.row(kind, part.severity()[i], part.ts()[i]);
            }
        }
        return left;
    }

    private void matchingRows(PartRecord part, Planner.Bounds bounds, List<Long> ts, List<Integer> severity)
            throws IOException {
        for (PartPointReader.RowGroupSpan span : reader.rowGroupSpans(part)) {
            if (span.maxTs() < bounds.fromMillis() || span.minTs() >= bounds.toMillis()) {
                continue;
            }
            PartRowGroup rows = reader.rowGroup(part, span.index());
            rowGroupsRead.increment();
            try {
                long[] times = rows.timestamps();
                long[] levels = rows.severities();
                for (int row = 0; row < rows.rows(); row++) {
                    long t = times[row];
                    int level = (int) levels[row];
                    if (t >= bounds.fromMillis() && t < bounds.toMillis() && level >= 0 && level < 31
                            && (bounds.levelMask() & (1 << level)) != 0) {
                        ts.add(t);
                        severity.add(level);
                    }
                }
            } finally {
                rows.release();
            }
        }
    }
}
