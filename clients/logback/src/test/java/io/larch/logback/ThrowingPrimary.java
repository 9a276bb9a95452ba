package io.larch.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

/** A primary whose every append throws (a broken destination): Logback reports only its first three exceptions. */
public class ThrowingPrimary extends AppenderBase<ILoggingEvent> {
    @Override
    protected void append(ILoggingEvent event) {
        throw new IllegalStateException("destination is gone");
    }
}
