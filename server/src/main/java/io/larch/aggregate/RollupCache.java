package io.larch.aggregate;

import io.larch.part.DuckDbEngine;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.search.PartSql;
import io.larch.search.QueryBudget;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
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

    /** Reads one result row into something kept. */
    interface RowReader<R> {
        R read(ResultSet row) throws SQLException;
    }

    /**
     * Runs {@code SELECT filename, <columns> FROM <the rollups of parts> <rest>} and returns the
     * rows, each read by {@code reader} (its columns start at 2), grouped by part name; a part
     * without rows maps to an empty list.
     */
    protected final <R> Map<String, List<R>> rowsByPart(List<PartRecord> parts, String columns, String rest,
                                                       QueryBudget budget, RowReader<R> reader) {
        Map<String, String> partByFile = new HashMap<>();
        Map<String, List<R>> rows = new ConcurrentHashMap<>();
        for (PartRecord part : parts) {
            partByFile.put(partFiles.rollupPath(part).toString(), part.name());
            rows.put(part.name(), new ArrayList<>());
        }
        PartSql.run(engine, "SELECT filename, " + columns + " FROM " + partFiles.readRollups(parts, true) + " " + rest,
                List.of(), budget, row -> rows.get(partByFile.get(row.getString(1))).add(reader.read(row)));
        return rows;
    }
}
