package io.larch.query;

import io.larch.meta.PartRecord;
import io.larch.model.Level;
import io.larch.storage.DuckDbEngine;
import io.larch.storage.PartFiles;
import io.larch.storage.PartSchema;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each part's event counts per minute and level, read once from its rollup and then kept in
 * memory (a few hundred numbers per part), so histograms and totals over whole minutes are sums
 * in Java rather than SQL. Thread-safe.
 */
final class MinuteCounts {
    /** A part's counts: {@code counts[minute index][severity]}, minute index 0 being {@code firstMinute}. */
    record PartCounts(long firstMinute, long[][] counts) {
    }

    private final DuckDbEngine engine;
    private final PartFiles partFiles;
    private final Map<String, PartCounts> byPartName = new ConcurrentHashMap<>();

    MinuteCounts(DuckDbEngine engine, PartFiles partFiles) {
        this.engine = engine;
        this.partFiles = partFiles;
    }

    /** The counts of {@code parts} (which all have rollups), loading those not yet in memory in one statement. */
    List<PartCounts> of(List<PartRecord> parts, List<PartRecord> published, QueryBudget budget) {
        List<PartRecord> missing = parts.stream().filter(p -> !byPartName.containsKey(p.name())).toList();
        if (!missing.isEmpty()) {
            load(missing, budget);
        }
        if (byPartName.size() > 2 * published.size() + 64) {
            Set<String> live = new HashSet<>();
            published.forEach(p -> live.add(p.name()));
            byPartName.keySet().retainAll(live);
        }
        List<PartCounts> counts = new ArrayList<>(parts.size());
        parts.forEach(p -> counts.add(byPartName.get(p.name())));
        return counts;
    }

    private void load(List<PartRecord> parts, QueryBudget budget) {
        StringBuilder files = new StringBuilder("read_parquet([");
        for (int i = 0; i < parts.size(); i++) {
            files.append(i == 0 ? "" : ", ").append(DuckDbEngine.quotePath(partFiles.rollupPath(parts.get(i))));
        }
        files.append("], filename = true)");
        Map<String, List<long[]>> rows = new ConcurrentHashMap<>();
        PartSql.run(engine, "SELECT filename, minute, level, sum(n)::BIGINT FROM " + files + " GROUP BY ALL", List.of(),
                budget, row -> rows.computeIfAbsent(row.getString(1), f -> new ArrayList<>())
                        .add(new long[] {row.getLong(2), row.getInt(3), row.getLong(4)}));
        for (PartRecord part : parts) {
            List<long[]> partRows = rows.getOrDefault(partFiles.rollupPath(part).toString(), List.of());
            long first = partRows.stream().mapToLong(r -> r[0]).min().orElse(0);
            long last = partRows.stream().mapToLong(r -> r[0]).max().orElse(-PartSchema.ROLLUP_MILLIS);
            long[][] counts = new long[(int) ((last - first) / PartSchema.ROLLUP_MILLIS) + 1][Level.values().length];
            for (long[] r : partRows) {
                counts[(int) ((r[0] - first) / PartSchema.ROLLUP_MILLIS)][(int) r[1]] += r[2];
            }
            byPartName.put(part.name(), new PartCounts(first, counts));
        }
    }
}
