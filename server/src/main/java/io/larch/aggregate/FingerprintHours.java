package io.larch.aggregate;

import io.larch.part.DuckDbEngine;
import io.larch.part.PartFiles;
import io.larch.part.PartRecord;
import io.larch.part.PartSchema;
import io.larch.search.QueryBudget;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
final class FingerprintHours extends RollupCache<FingerprintHours.PartHours> {
    static final long HOUR_MILLIS = 3_600_000L;

    /** A fingerprint's events of one level in one hour of a part: count, time bounds, latest message and id. */
    record HourRow(long hour, int severity, String fingerprint, long count, long minTs, long maxTs, String sample,
                   long lastId) {
    }

    /**
     * One part's rows, and the same summed over hours and levels per fingerprint ({@code hour}
     * and {@code severity} -1): a range that covers all of a part's hours with no level filter (a
     * day's top fingerprints, for most parts) merges those, 30-100 times fewer rows.
     */
    record PartHours(List<HourRow> rows, List<HourRow> totals, long firstHour, long lastHour) {
        static PartHours of(List<HourRow> rows) {
            Map<String, HourRow> totals = new LinkedHashMap<>();
            long firstHour = Long.MAX_VALUE;
            long lastHour = Long.MIN_VALUE;
            for (HourRow row : rows) {
                firstHour = Math.min(firstHour, row.hour());
                lastHour = Math.max(lastHour, row.hour());
                totals.merge(row.fingerprint(), new HourRow(-1, -1, row.fingerprint(), row.count(), row.minTs(), row.maxTs(),
                        row.sample(), row.lastId()), (a, b) -> {
                            boolean bLater = b.maxTs() > a.maxTs() || b.maxTs() == a.maxTs() && b.lastId() > a.lastId();
                            return new HourRow(-1, -1, a.fingerprint(), a.count() + b.count(), Math.min(a.minTs(), b.minTs()),
                                    Math.max(a.maxTs(), b.maxTs()), bLater ? b.sample() : a.sample(),
                                    bLater ? b.lastId() : a.lastId());
                        });
            }
            return new PartHours(List.copyOf(rows), List.copyOf(totals.values()), firstHour, lastHour);
        }
    }

    FingerprintHours(DuckDbEngine engine, PartFiles partFiles) {
        super(engine, partFiles);
    }

    @Override
    protected Map<String, PartHours> load(List<PartRecord> parts, QueryBudget budget) {
        Map<String, String> interned = new ConcurrentHashMap<>();
        Map<String, List<HourRow>> rows = rowsByPart(parts, "(minute // " + HOUR_MILLIS + ") * " + HOUR_MILLIS + " AS hour, level, fingerprint, "
                + "sum(n)::BIGINT, min(min_ts), max(max_ts), " + PartSchema.latest("sample", "max_ts", "last_id") + ", "
                + PartSchema.latest("last_id", "max_ts", "last_id"), "WHERE fingerprint IS NOT NULL GROUP BY ALL", budget,
                row -> new HourRow(row.getLong(2), row.getInt(3), interned.computeIfAbsent(row.getString(4), f -> f),
                        row.getLong(5), row.getLong(6), row.getLong(7), row.getString(8), row.getLong(9)));
        Map<String, PartHours> byPart = new HashMap<>();
        rows.forEach((part, partRows) -> byPart.put(part, PartHours.of(partRows)));
        return byPart;
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
