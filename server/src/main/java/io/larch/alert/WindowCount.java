package io.larch.alert;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Events in a sliding window, kept as (second, count) pairs for the seconds that had any: memory
 * grows with the busy seconds of one window, not with the events. Not thread-safe (one evaluator).
 */
final class WindowCount {
    private final long windowMillis;
    private final ArrayDeque<long[]> seconds = new ArrayDeque<>();
    private long total;

    WindowCount(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    void add(long at, long n) {
        long second = Math.floorDiv(at, 1000);
        long[] last = seconds.peekLast();
        if (last != null && last[0] == second) {
            last[1] += n;
        } else {
            seconds.addLast(new long[] {second, n});
        }
        total += n;
    }

    /** Events in (now - window, now]. */
    long count(long now) {
        long oldest = Math.floorDiv(now - windowMillis, 1000);
        while (!seconds.isEmpty() && seconds.peekFirst()[0] <= oldest) {
            total -= seconds.pollFirst()[1];
        }
        return total;
    }

    boolean isEmpty(long now) {
        return count(now) == 0;
    }

    /** The (second, count) pairs held, oldest first: what a restart restores. */
    List<long[]> seconds() {
        return seconds.stream().map(long[]::clone).toList();
    }

    /** A window holding {@code seconds} (as {@link #seconds} gave them). */
    static WindowCount of(long windowMillis, List<long[]> seconds) {
        WindowCount window = new WindowCount(windowMillis);
        for (long[] second : seconds) {
            window.add(second[0] * 1000, second[1]);
        }
        return window;
    }
}
