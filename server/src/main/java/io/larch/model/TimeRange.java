package io.larch.model;

/** A half-open range of epoch milliseconds {@code [fromMillis, toMillis)}. */
public record TimeRange(long fromMillis, long toMillis) {
    public static final TimeRange ALL = new TimeRange(Long.MIN_VALUE, Long.MAX_VALUE);

    public TimeRange {
        if (fromMillis > toMillis) {
            throw new IllegalArgumentException("time range starts after it ends");
        }
    }

    public boolean contains(long millis) {
        return millis >= fromMillis && millis < toMillis;
    }

    /** True when the closed interval [min, max] shares at least one millisecond with this range. */
    public boolean overlaps(long minMillis, long maxMillis) {
        return maxMillis >= fromMillis && minMillis < toMillis;
    }

    public boolean isBounded() {
        return fromMillis != Long.MIN_VALUE || toMillis != Long.MAX_VALUE;
    }
}
