package io.larch.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusListener;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Overflow mode: every event goes to the primary appender (the {@code <appender-ref>} inside this
 * one), and to Larch only while the primary is failing, as {@link PrimaryHealth} judges it from
 * the primary's status messages (ERROR, or a message matching {@code quotaPattern}), its
 * exceptions and whether it is started. It counts as recovered after {@code quietPeriodMs}
 * (default 30 s) without a failure. Each switch is a warning/info status and an event in Larch
 * ("larch overflow on: ..." / "larch overflow off: ..."), so the gap in the primary's logs can be
 * found.
 *
 * <p>A primary that fails synchronously (throws, or reports while appending) is detected for the
 * very event that failed. One that sends from its own thread reports later: the events it took
 * before that report are not sent to Larch.
 *
 * <p>All of {@link LarchAppender}'s settings apply to the Larch side.
 */
public class LarchOverflowAppender extends LarchAppender implements AppenderAttachable<ILoggingEvent> {
    private final AppenderAttachableImpl<ILoggingEvent> primaries = new AppenderAttachableImpl<>();
    private long quietPeriodMs = 30_000;
    private String quotaPattern = PrimaryHealth.DEFAULT_QUOTA_PATTERN;
    private PrimaryHealth health;
    private StatusListener listener;
    private final AtomicBoolean overflowing = new AtomicBoolean();
    private final AtomicLong overflowEvents = new AtomicLong();

    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        if (!primaries.iteratorForAppenders().hasNext()) {
            addError("no primary appender: put <appender-ref ref=\"...\"/> inside <appender name=\"" + getName() + "\">");
            return;
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(quotaPattern);
        } catch (PatternSyntaxException e) {
            addError("quotaPattern is not a regular expression: " + e.getMessage());
            return;
        }
        health = new PrimaryHealth(System::currentTimeMillis, quietPeriodMs, pattern);
        listener = this::statusAdded;
        getContext().getStatusManager().add(listener);
        super.start();
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        getContext().getStatusManager().remove(listener);
        primaries.detachAndStopAllAppenders();
    }

    @Override
    protected void append(ILoggingEvent event) {
        primaries.appendLoopOnAppenders(event);
        boolean primaryStarted = primariesStarted();
        boolean failing = health.isFailing(primaryStarted);
        if (failing && overflowing.compareAndSet(false, true)) {
            String why = "larch overflow on: primary appender " + primaryNames() + " is failing ("
                    + health.reason(primaryStarted) + "); sending events to Larch until it is quiet for " + quietPeriodMs + " ms";
            addWarn(why);
            offerNotice("warn", why);
        } else if (!failing && overflowing.compareAndSet(true, false)) {
            String why = "larch overflow off: primary appender " + primaryNames() + " recovered; "
                    + overflowEvents.getAndSet(0) + " events were sent to Larch meanwhile";
            addInfo(why);
            offerNotice("info", why);
        }
        if (failing) {
            overflowEvents.incrementAndGet();
            super.append(event);
        }
    }

    /** Whether events are being sent to Larch now. */
    public boolean isOverflowing() {
        return overflowing.get();
    }

    private void statusAdded(Status status) {
        Object origin = status.getOrigin();
        if (origin instanceof Appender<?> appender && primaries.isAttached(castToEventAppender(appender))) {
            health.statusSeen(status.getEffectiveLevel(), status.getMessage(), status.getThrowable() != null);
        }
    }

    @SuppressWarnings("unchecked")
    private static Appender<ILoggingEvent> castToEventAppender(Appender<?> appender) {
        return (Appender<ILoggingEvent>) appender;
    }

    private boolean primariesStarted() {
        for (Iterator<Appender<ILoggingEvent>> it = primaries.iteratorForAppenders(); it.hasNext(); ) {
            if (!it.next().isStarted()) {
                return false;
            }
        }
        return true;
    }

    private String primaryNames() {
        StringBuilder names = new StringBuilder();
        for (Iterator<Appender<ILoggingEvent>> it = primaries.iteratorForAppenders(); it.hasNext(); ) {
            names.append(names.length() == 0 ? "" : ", ").append(it.next().getName());
        }
        return names.toString();
    }

    // AppenderAttachable: Logback's configurator attaches the <appender-ref> here.

    @Override
    public void addAppender(Appender<ILoggingEvent> appender) {
        primaries.addAppender(appender);
    }

    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return primaries.iteratorForAppenders();
    }

    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return primaries.getAppender(name);
    }

    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return primaries.isAttached(appender);
    }

    @Override
    public void detachAndStopAllAppenders() {
        primaries.detachAndStopAllAppenders();
    }

    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return primaries.detachAppender(appender);
    }

    @Override
    public boolean detachAppender(String name) {
        return primaries.detachAppender(name);
    }

    // Settings.

    public void setQuietPeriodMs(long quietPeriodMs) {
        this.quietPeriodMs = Math.max(0, quietPeriodMs);
    }

    public void setQuotaPattern(String quotaPattern) {
        this.quotaPattern = quotaPattern;
    }
}
