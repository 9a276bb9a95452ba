package io.larch.alert;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Events in a sliding window, kept as (bucket, count) pairs for the buckets that had any. A
 * bucket is a second, or a 120th of a long window (30 s of an hour): memory is at most 120-ish
 * pairs per group whatever the window, and an event leaves the window at most one bucket late.
 * Not thread-safe (one evaluator).
 */
final class WindowCount {
    /** Buckets per window once a window is longer than two minutes. */
    static final int BUCKETS = 120;
    private final long windowMillis;
    private final long bucketMillis;
    private final ArrayDeque<long[]> buckets = new ArrayDeque<>();
    private long total;

    WindowCount(long windowMillis) {
        this.windowMillis = windowMillis;
        this.bucketMillis = Math.max(1000, windowMillis / BUCKETS / 1000 * 1000);
    }

    void add(long at, long n) {
        long bucket = Math.floorDiv(at, bucketMillis);
        long[] last = buckets.peekLast();
        if (last != null && last[0] == bucket) {
            last[1] += n;
        } else {
            buckets.addLast(new long[] {bucket, n});
        }
        total += n;
    }

    /** Events in (now - window, now], to the bucket. */
    long count(long now) {
        long oldest = Math.floorDiv(now - windowMillis, bucketMillis);
        while (!buckets.isEmpty() && buckets.peekFirst()[0] <= oldest) {
            total -= buckets.pollFirst()[1];
        }
        return total;
    }

    /** The start (epoch ms) of the bucket {@code at} falls in. */
    long bucketStart(long at) {
        return Math.floorDiv(at, bucketMillis) * bucketMillis;
    }

    /** Buckets starting at or before this (epoch ms) are out of the window at {@code now}, as {@link #count} drops them. */
    long windowEdge(long now) {
        return Math.floorDiv(now - windowMillis, bucketMillis) * bucketMillis;
    }

    boolean isEmpty(long now) {
        return count(now) == 0;
    }

    /** The (bucket, count) pairs held, oldest first: what a restart restores. */
    List<long[]> seconds() {
        return buckets.stream().map(long[]::clone).toList();
    }

    /** A window holding {@code buckets} (as {@link #seconds} gave them, for the same window). */
    static WindowCount of(long windowMillis, List<long[]> buckets) {
        WindowCount window = new WindowCount(windowMillis);
        for (long[] bucket : buckets) {
            window.add(bucket[0] * window.bucketMillis, bucket[1]);
        }
        return window;
    }
}
