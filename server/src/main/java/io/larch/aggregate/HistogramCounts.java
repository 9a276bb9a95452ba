package io.larch.aggregate;

import io.larch.model.InvalidInputException;
import io.larch.model.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Counts per time bucket of {@code intervalMillis} and level, gathered from every source of a histogram. Not thread-safe. */
final class HistogramCounts {
    private final long intervalMillis;
    /** Bucket start -> count per severity. */
    private final TreeMap<Long, long[]> counts = new TreeMap<>();

    HistogramCounts(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    /** The start of the bucket that holds {@code millis}. */
    long bucketOf(long millis) {
        return Math.floorDiv(millis, intervalMillis) * intervalMillis;
    }

    /** Adds {@code n} events of {@code severity} at {@code millis}. */
    void add(long millis, int severity, long n) {
        addToBucket(bucketOf(millis), severity, n);
    }

    /** Adds {@code n} events of {@code severity} to the bucket starting at {@code bucket}. */
    void addToBucket(long bucket, int severity, long n) {
        counts.computeIfAbsent(bucket, b -> new long[Level.values().length])[severity] += n;
    }

    /**
     * Throws when {@code [start, end)} needs more than {@link Aggregator#MAX_BUCKETS} buckets, so
     * that no range, however long, allocates them; also before any counting when both ends are known.
     */
    void checkBucketCount(long start, long end) {
        long buckets;
        try {
            buckets = Math.subtractExact(end, start) / intervalMillis;
        } catch (ArithmeticException e) {
            buckets = Long.MAX_VALUE;
        }
        if (buckets > Aggregator.MAX_BUCKETS) {
            throw new InvalidInputException("interval: " + intervalMillis + " ms makes more than "
                    + Aggregator.MAX_BUCKETS + " buckets over this range; choose a larger interval or a shorter range");
        }
    }

    /**
     * Every bucket of {@code [fromMillis, toMillis)} when those are bounded, otherwise of the span
     * of the counted events; empty buckets count zero.
     */
    Aggregations.Histogram histogram(long fromMillis, long toMillis) {
        long start = fromMillis != Long.MIN_VALUE ? bucketOf(fromMillis) : counts.isEmpty() ? 0 : counts.firstKey();
        long end = toMillis != Long.MAX_VALUE ? toMillis : counts.isEmpty() ? 0 : counts.lastKey() + intervalMillis;
        checkBucketCount(start, end);
        List<Aggregations.Bucket> buckets = new ArrayList<>();
        for (long b = start; b < end; b += intervalMillis) {
            long[] byLevel = counts.getOrDefault(b, new long[Level.values().length]);
            Map<String, Long> levels = new LinkedHashMap<>();
            long total = 0;
            for (Level level : Level.values()) {
                if (byLevel[level.severity()] > 0) {
                    levels.put(level.wireName(), byLevel[level.severity()]);
                    total += byLevel[level.severity()];
                }
            }
            buckets.add(new Aggregations.Bucket(b, total, levels));
        }
        return new Aggregations.Histogram(intervalMillis, buckets);
    }
}
