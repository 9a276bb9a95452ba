package io.larch.aggregate;

import io.larch.part.DuckDbEngine;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.search.PartSql;
import io.larch.search.QueryBudget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rollup rows (per minute, level and fingerprint) of single hours of parts, read on demand
 * and kept: the partial hours at the ends of a top-fingerprints range, which
 * {@link FingerprintHours} cannot answer. Reading them from the rollup files through DuckDB was
 * about a third of a day's top-10 at 50 M events, on every query; a dashboard asks the same hours
 * again and again. Parts never change, so rows stay valid; the least recently used hours are
 * dropped beyond {@link #MAX_ROWS} rows. Thread-safe.
 */
final class FingerprintMinutes {
    /** Rows kept at most (~200 bytes each with their sample message). */
    static final int MAX_ROWS = 500_000;

    private final DuckDbEngine engine;
    private final PartFiles partFiles;
    /** Least recently used first; guarded by {@code this}. */
    private final LinkedHashMap<Key, List<MinuteRow>> cache = new LinkedHashMap<>(64, 0.75f, true);
    private int cachedRows;

    FingerprintMinutes(DuckDbEngine engine, PartFiles partFiles) {
        this.engine = engine;
        this.partFiles = partFiles;
    }

    /** One hour of one part. */
    record Key(PartRecord part, long hour) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && key.hour == hour && key.part.name().equals(part.name());
        }

        @Override
        public int hashCode() {
            return part.name().hashCode() * 31 + Long.hashCode(hour);
        }
    }

    /** A fingerprint's events of one level in one minute of a part: count, time bounds, latest message and id. */
    record MinuteRow(long minute, int severity, String fingerprint, long count, long minTs, long maxTs, String sample,
                     long lastId) {
    }

    /** The rows of each key (whose part has a rollup), reading those not in memory in one statement. */
    Map<Key, List<MinuteRow>> of(List<Key> keys, QueryBudget budget) {
        Map<Key, List<MinuteRow>> found = new HashMap<>();
        List<Key> missing = new ArrayList<>();
        synchronized (this) {
            for (Key key : keys) {
                List<MinuteRow> rows = cache.get(key);
                if (rows != null) {
                    found.put(key, rows);
                } else if (!missing.contains(key)) {
                    missing.add(key);
                }
            }
        }
        if (!missing.isEmpty()) {
            Map<Key, List<MinuteRow>> loaded = load(missing, budget);
            found.putAll(loaded);
            synchronized (this) {
                loaded.forEach((key, rows) -> {
                    List<MinuteRow> previous = cache.put(key, rows);
                    cachedRows += rows.size() - (previous == null ? 0 : previous.size());
                });
                var eldest = cache.entrySet().iterator();
                while (cachedRows > MAX_ROWS && eldest.hasNext()) {
                    cachedRows -= eldest.next().getValue().size();
                    eldest.remove();
                }
            }
        }
        return found;
    }

    private Map<Key, List<MinuteRow>> load(List<Key> keys, QueryBudget budget) {
        Map<String, PartRecord> partByFile = new HashMap<>();
        List<PartRecord> parts = new ArrayList<>();
        List<String> conditions = new ArrayList<>();
        List<Object> parameters = new ArrayList<>();
        for (Key key : keys) {
            String file = partFiles.rollupPath(key.part()).toString();
            if (partByFile.put(file, key.part()) == null) {
                parts.add(key.part());
            }
            conditions.add("(filename = ? AND minute >= ? AND minute < ?)");
            parameters.addAll(List.of(file, key.hour(), key.hour() + FingerprintHours.HOUR_MILLIS));
        }
        Map<Key, List<MinuteRow>> loaded = new HashMap<>();
        keys.forEach(key -> loaded.put(key, new ArrayList<>()));
        Map<String, String> interned = new HashMap<>();
        PartSql.run(engine, "SELECT filename, minute, level, fingerprint, n, min_ts, max_ts, sample, last_id FROM "
                + partFiles.readRollups(parts, true) + " WHERE fingerprint IS NOT NULL AND (" + String.join(" OR ", conditions)
                + ")", parameters, budget, row -> {
                    long minute = row.getLong(2);
                    Key key = new Key(partByFile.get(row.getString(1)), FingerprintHours.floorHour(minute));
                    List<MinuteRow> rows = loaded.get(key);
                    if (rows != null) {
                        rows.add(new MinuteRow(minute, row.getInt(3), interned.computeIfAbsent(row.getString(4), f -> f),
                                row.getLong(5), row.getLong(6), row.getLong(7), row.getString(8), row.getLong(9)));
                    }
                });
        loaded.replaceAll((key, rows) -> List.copyOf(rows));
        return loaded;
    }
}
