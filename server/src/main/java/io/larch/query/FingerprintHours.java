package io.larch.query;

import io.larch.meta.PartRecord;
import io.larch.storage.DuckDbEngine;
import io.larch.storage.PartFiles;
import io.larch.storage.PartSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each part's event counts per hour, level and fingerprint, with first and last times and the
 * latest event's message and id, read once from its rollup and kept in memory. A day holds a few
 * thousand such rows per project (one per fingerprint and level seen in each hour), so the top
 * fingerprints over whole hours are merged in Java; only the minutes at the ends of a range are
 * read from the rollup files. Thread-safe.
 */
final class FingerprintHours extends RollupCache<List<FingerprintHours.HourRow>> {
    static final long HOUR_MILLIS = 3_600_000L;

    /** A fingerprint's events of one level in one hour of a part: count, time bounds, latest message and id. */
    record HourRow(long hour, int severity, String fingerprint, long count, long minTs, long maxTs, String sample,
                   long lastId) {
    }

    FingerprintHours(DuckDbEngine engine, PartFiles partFiles) {
        super(engine, partFiles);
    }

    @Override
    protected Map<String, List<HourRow>> load(List<PartRecord> parts, QueryBudget budget) {
        Map<String, String> interned = new ConcurrentHashMap<>();
        return rowsByPart(parts, "(minute // " + HOUR_MILLIS + ") * " + HOUR_MILLIS + " AS hour, level, fingerprint, "
                + "sum(n)::BIGINT, min(min_ts), max(max_ts), " + PartSchema.latest("sample", "max_ts", "last_id") + ", "
                + PartSchema.latest("last_id", "max_ts", "last_id"), "WHERE fingerprint IS NOT NULL GROUP BY ALL", budget,
                row -> new HourRow(row.getLong(2), row.getInt(3), interned.computeIfAbsent(row.getString(4), f -> f),
                        row.getLong(5), row.getLong(6), row.getLong(7), row.getString(8), row.getLong(9)));
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
