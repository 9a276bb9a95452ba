package io.larch.query;

import io.larch.meta.PartRecord;
import io.larch.storage.DuckDbEngine;
import io.larch.storage.PartFiles;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Something derived from each part's rollup, read once per part and then kept in memory. Parts
 * never change once written, so an entry stays valid until its part is retired; entries of
 * retired parts are dropped once they outnumber the live ones. Thread-safe.
 *
 * @param <T> what is kept per part
 */
abstract class RollupCache<T> {
    protected final DuckDbEngine engine;
    protected final PartFiles partFiles;
    private final Map<String, T> byPartName = new ConcurrentHashMap<>();

    RollupCache(DuckDbEngine engine, PartFiles partFiles) {
        this.engine = engine;
        this.partFiles = partFiles;
    }

    /** The entries of {@code parts} (which all have rollups), in order, loading those not yet in memory. */
    final List<T> of(List<PartRecord> parts, List<PartRecord> published, QueryBudget budget) {
        List<PartRecord> missing = parts.stream().filter(p -> !byPartName.containsKey(p.name())).toList();
        if (!missing.isEmpty()) {
            byPartName.putAll(load(missing, budget));
        }
        if (byPartName.size() > 2 * published.size() + 64) {
            Set<String> live = new HashSet<>();
            published.forEach(p -> live.add(p.name()));
            byPartName.keySet().retainAll(live);
        }
        List<T> entries = new ArrayList<>(parts.size());
        parts.forEach(p -> entries.add(byPartName.get(p.name())));
        return entries;
    }

    /** Reads the entries of {@code parts} (in one statement, preferably), by part name. */
    protected abstract Map<String, T> load(List<PartRecord> parts, QueryBudget budget);

    /** {@code read_parquet} over the rollups of {@code parts}, with a {@code filename} column. */
    protected final String rollupsWithFilename(List<PartRecord> parts) {
        return partFiles.readRollups(parts, true);
    }

    /** The rows of {@code rows} (keyed by rollup file name) that belong to {@code part}. */
    protected final <R> List<R> rowsOf(Map<String, List<R>> rows, PartRecord part) {
        return rows.getOrDefault(partFiles.rollupPath(part).toString(), List.of());
    }
}
