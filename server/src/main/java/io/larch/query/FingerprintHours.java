package io.larch.query;

import io.larch.meta.PartRecord;
import io.larch.storage.DuckDbEngine;
import io.larch.storage.PartFiles;
import io.larch.storage.PartSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each part's event counts per hour, level and fingerprint, with first and last times and the
 * latest event's message and id, read once from its rollup and kept in memory. A day holds a few thousand such rows per project (one per
 * fingerprint and level seen in each hour), so the top fingerprints over whole hours are merged in
 * Java; only the minutes at the ends of a range are read from the rollup files. Thread-safe.
 */
final class FingerprintHours extends RollupCache<FingerprintHours.PartHours> {
    static final long HOUR_MILLIS = 3_600_000L;

    /**
     * One part's rows; row {@code i} is {@code (hour[i], severity[i], fingerprint[i])} with its
     * count, time bounds, and latest event's message (null in rollups written before samples were
     * kept) and id.
     */
    record PartHours(long[] hour, byte[] severity, String[] fingerprint, long[] count, long[] minTs, long[] maxTs,
                     String[] sample, long[] lastId) {
    }

    FingerprintHours(DuckDbEngine engine, PartFiles partFiles) {
        super(engine, partFiles);
    }

    @Override
    protected Map<String, PartHours> load(List<PartRecord> parts, QueryBudget budget) {
        Map<String, List<Object[]>> rows = new ConcurrentHashMap<>();
        Map<String, String> interned = new ConcurrentHashMap<>();
        PartSql.run(engine, "SELECT filename, (minute // " + HOUR_MILLIS + ") * " + HOUR_MILLIS
                + " AS hour, level, fingerprint, sum(n)::BIGINT, min(min_ts), max(max_ts), "
                + PartSchema.latest("sample", "max_ts", "last_id") + ", " + PartSchema.latest("last_id", "max_ts", "last_id")
                + " FROM " + rollupsWithFilename(parts)
                + " WHERE fingerprint IS NOT NULL GROUP BY ALL", List.of(), budget, row -> {
                    String fingerprint = interned.computeIfAbsent(row.getString(4), f -> f);
                    rows.computeIfAbsent(row.getString(1), f -> new ArrayList<>()).add(new Object[] {row.getLong(2),
                            (byte) row.getInt(3), fingerprint, row.getLong(5), row.getLong(6), row.getLong(7), row.getString(8),
                            row.getLong(9)});
                });
        Map<String, PartHours> loaded = new HashMap<>();
        for (PartRecord part : parts) {
            List<Object[]> partRows = rowsOf(rows, part);
            int n = partRows.size();
            PartHours hours = new PartHours(new long[n], new byte[n], new String[n], new long[n], new long[n], new long[n],
                    new String[n], new long[n]);
            for (int i = 0; i < n; i++) {
                Object[] r = partRows.get(i);
                hours.hour()[i] = (Long) r[0];
                hours.severity()[i] = (Byte) r[1];
                hours.fingerprint()[i] = (String) r[2];
                hours.count()[i] = (Long) r[3];
                hours.minTs()[i] = (Long) r[4];
                hours.maxTs()[i] = (Long) r[5];
                hours.sample()[i] = (String) r[6];
                hours.lastId()[i] = (Long) r[7];
            }
            loaded.put(part.name(), hours);
        }
        return loaded;
    }

    /** The first whole hour at or after {@code millis}. */
    static long ceilHour(long millis) {
        return Math.floorDiv(millis + HOUR_MILLIS - 1, HOUR_MILLIS) * HOUR_MILLIS;
    }

    /** The start of the hour holding {@code millis}. */
    static long floorHour(long millis) {
        return Math.floorDiv(millis, HOUR_MILLIS) * HOUR_MILLIS;
    }
}
