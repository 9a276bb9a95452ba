package io.larch.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;

/**
 * A primary log service's appender as the overflow mode meets them: while its quota lasts it
 * keeps the events; once the provider answers 429 it says so in a status message and loses the
 * event (what HTTP appenders do when their provider refuses them).
 */
public class QuotaLimitedPrimary extends AppenderBase<ILoggingEvent> {
    private final List<String> kept = new ArrayList<>();
    private volatile boolean quotaExhausted;

    @Override
    protected void append(ILoggingEvent event) {
        if (quotaExhausted) {
            addWarn("provider answered 429: monthly quota exceeded; dropped an event");
            return;
        }
        synchronized (kept) {
            kept.add(event.getFormattedMessage());
        }
    }

    void exhaustQuota() {
        quotaExhausted = true;
    }

    void renewQuota() {
        quotaExhausted = false;
    }

    List<String> kept() {
        synchronized (kept) {
            return List.copyOf(kept);
        }
    }
}
