package io.larch.logback;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Whether the overflow appender's primary is failing, judged from what Logback lets an appender
 * say: the status messages it adds (its {@code addError}/{@code addWarn}, and Logback's own
 * "failed to append" error when its {@code append} throws) and whether it is started.
 *
 * <p>The primary is failing while any of these holds:
 * <ul>
 * <li>it is not started (it failed to start, or was stopped);</li>
 * <li>it added an ERROR status, or a status of any level whose message matches the quota pattern
 * (by default {@link #DEFAULT_QUOTA_PATTERN}: "quota", "429", "rate limit", "too many requests"),
 * less than the quiet period ago: it recovers after a quiet period without one;</li>
 * <li>its {@code append} threw {@value #LOGBACK_EXCEPTION_REPORTS} times: Logback reports only the
 * first three exceptions of an appender and then stays silent, so silence proves nothing any more;
 * such a primary stays failing until the application restarts (sending to Larch too is the side
 * that loses nothing).</li>
 * </ul>
 *
 * <p>Threading: {@link #statusSeen} is called on whichever thread added the status (the
 * application's, or the primary's own sender); {@link #isFailing} on application threads. The
 * fields are volatile or atomic; a racing status and check at worst decide one event late.
 */
final class PrimaryHealth {
    static final String DEFAULT_QUOTA_PATTERN = "(?i)quota|\\b429\\b|rate.?limit|too many requests";
    /** Logback's AppenderBase and UnsynchronizedAppenderBase report this many exceptions, then no more. */
    static final int LOGBACK_EXCEPTION_REPORTS = 3;
    /** Status levels, as in {@code ch.qos.logback.core.status.Status}. */
    static final int INFO = 0;
    static final int WARN = 1;
    static final int ERROR = 2;

    private final LongSupplier nowMillis;
    private final long quietPeriodMillis;
    private final Pattern quotaPattern;
    private volatile long lastFailureMillis = Long.MIN_VALUE;
    private volatile String lastFailure;
    private final AtomicInteger exceptionReports = new AtomicInteger();

    PrimaryHealth(LongSupplier nowMillis, long quietPeriodMillis, Pattern quotaPattern) {
        this.nowMillis = nowMillis;
        this.quietPeriodMillis = quietPeriodMillis;
        this.quotaPattern = quotaPattern;
    }

    /** A status the primary added: {@code level} is INFO, WARN or ERROR. */
    void statusSeen(int level, String message, boolean fromAThrownException) {
        String text = message == null ? "" : message;
        if (level >= ERROR || quotaPattern.matcher(text).find()) {
            lastFailure = text;
            lastFailureMillis = nowMillis.getAsLong();
        }
        if (level >= ERROR && fromAThrownException && text.contains("failed to append")) {
            exceptionReports.incrementAndGet();
        }
    }

    boolean isFailing(boolean primaryStarted) {
        return !primaryStarted || silencedByLogback()
                || (lastFailureMillis != Long.MIN_VALUE && nowMillis.getAsLong() - lastFailureMillis < quietPeriodMillis);
    }

    /** Why the primary is failing (for the switch notice). */
    String reason(boolean primaryStarted) {
        if (!primaryStarted) {
            return "it is not started";
        }
        if (silencedByLogback()) {
            return "it threw " + LOGBACK_EXCEPTION_REPORTS + " times (Logback reports no more of its exceptions,"
                    + " so it stays failing until restart)";
        }
        return lastFailure == null ? "unknown" : lastFailure;
    }

    private boolean silencedByLogback() {
        return exceptionReports.get() >= LOGBACK_EXCEPTION_REPORTS;
    }
}
