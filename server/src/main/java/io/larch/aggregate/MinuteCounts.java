package io.larch.aggregate;

import io.larch.model.Level;
import io.larch.part.DuckDbEngine;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.part.PartSchema;
import io.larch.search.QueryBudget;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Each part's event counts per minute and level, and the first and last event time within each
 * minute, read once from its rollup and then kept in memory (a few hundred numbers per part), so
 * histograms and totals over whole minutes are sums in Java rather than SQL, and a partial minute
 * at the edge of a range that a part's events fall wholly inside or outside needs no raw read.
 * Thread-safe.
 */
final class MinuteCounts extends RollupCache<MinuteCounts.PartCounts> {
    /**
     * A part's counts: {@code counts[minute index][severity]}, minute index 0 being
     * {@code firstMinute}; {@code minTs[i]} and {@code maxTs[i]} bound the times of that minute's
     * events (any level).
     */
    record PartCounts(long firstMinute, long[][] counts, long[] minTs, long[] maxTs) {

        /** The index of {@code minute}, or -1 when the part has no events in it. */
        int indexOf(long minute) {
            long index = Math.floorDiv(minute - firstMinute, PartSchema.ROLLUP_MILLIS);
            return index >= 0 && index < counts.length && minTs[(int) index] <= maxTs[(int) index] ? (int) index : -1;
        }
    }

    MinuteCounts(DuckDbEngine engine, PartFiles partFiles) {
        super(engine, partFiles);
    }

    @Override
    protected Map<String, PartCounts> load(List<PartRecord> parts, QueryBudget budget) {
        Map<String, List<long[]>> rows = rowsByPart(parts, "minute, level, sum(n)::BIGINT, min(min_ts), max(max_ts)",
                "GROUP BY ALL", budget,
                row -> new long[] {row.getLong(2), row.getInt(3), row.getLong(4), row.getLong(5), row.getLong(6)});
        Map<String, PartCounts> loaded = new HashMap<>();
        for (PartRecord part : parts) {
            List<long[]> partRows = rows.get(part.name());
            long first = partRows.stream().mapToLong(r -> r[0]).min().orElse(0);
            long last = partRows.stream().mapToLong(r -> r[0]).max().orElse(-PartSchema.ROLLUP_MILLIS);
            int minutes = (int) ((last - first) / PartSchema.ROLLUP_MILLIS) + 1;
            long[][] counts = new long[minutes][Level.values().length];
            long[] minTs = new long[minutes];
            long[] maxTs = new long[minutes];
            Arrays.fill(minTs, Long.MAX_VALUE);
            Arrays.fill(maxTs, Long.MIN_VALUE);
            for (long[] r : partRows) {
                int m = (int) ((r[0] - first) / PartSchema.ROLLUP_MILLIS);
                counts[m][(int) r[1]] += r[2];
                minTs[m] = Math.min(minTs[m], r[3]);
                maxTs[m] = Math.max(maxTs[m], r[4]);
            }
            loaded.put(part.name(), new PartCounts(first, counts, minTs, maxTs));
        }
        return loaded;
    }
}
