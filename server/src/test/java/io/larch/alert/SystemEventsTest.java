package io.larch.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Larch's health as events: written when a counter rises (or a burst passes its size), while a condition holds; quiet otherwise. */
class SystemEventsTest {
    private final AtomicLong sealFailures = new AtomicLong();
    private final AtomicLong refusedKeys = new AtomicLong();
    private final AtomicLong diskLow = new AtomicLong();
    private final List<String> written = new ArrayList<>();
    private final List<io.larch.model.LogEvent> unstored = new ArrayList<>();
    private final SystemEvents events = new SystemEvents(body -> written.addAll(
            new String(body, StandardCharsets.UTF_8).lines().toList()), 7, unstored::addAll, java.time.Clock.systemUTC(), List.of(
            SystemEvents.Probe.failures("larch.seal", Level.ERROR, sealFailures::get, "%d segments failed to seal"),
            SystemEvents.Probe.burst("larch.auth", Level.WARN, refusedKeys::get, 20, "%d refused credentials"),
            SystemEvents.Probe.condition("larch.disk", Level.ERROR, diskLow::get, "the disk is low")), Duration.ofSeconds(30));

    @Test
    void writesOnlyWhatNeedsAttention() {
        assertEquals(0, events.look(), "nothing moved");
        sealFailures.addAndGet(2);
        refusedKeys.addAndGet(19);
        assertEquals(1, events.look());
        assertEquals(List.of("{\"kind\":\"system\",\"level\":\"error\",\"source\":\"larch.seal\",\"message\":\"2 segments failed"
                + " to seal\",\"attrs\":{\"count\":\"2\"}}"), written);
        assertEquals(0, events.look(), "the same counts are no news");
        refusedKeys.addAndGet(19);
        assertEquals(0, events.look(), "19 and 19 in two looks are no burst of 20");
        refusedKeys.addAndGet(25);
        assertEquals(1, events.look());
        assertTrue(written.getLast().contains("\"message\":\"25 refused credentials\""), written.getLast());
        diskLow.set(1);
        assertEquals(1, events.look());
        assertEquals(1, events.look(), "a condition is told at every look while it holds");
        diskLow.set(0);
        assertEquals(0, events.look());
    }

    @Test
    void aProbeThatFailsOrAWriterThatRefusesStopsNothing() {
        SystemEvents failing = new SystemEvents(body -> {
            throw new IllegalStateException("disk full");
        }, 7, unstored::addAll, java.time.Clock.systemUTC(), List.of(SystemEvents.Probe.failures("larch.seal", Level.ERROR, sealFailures::get, "%d"),
                SystemEvents.Probe.failures("larch.x", Level.ERROR, () -> {
                    throw new IllegalStateException("probe broke");
                }, "%d")), Duration.ofSeconds(30));
        sealFailures.incrementAndGet();
        assertEquals(1, failing.look(), "the write failed, logged; the look went on");
        assertEquals(1, unstored.size(), "the alert rules are told what could not be stored");
        assertEquals(io.larch.model.Kind.SYSTEM, unstored.getFirst().kind());
        assertEquals(7, unstored.getFirst().projectId());
        assertEquals("system:larch.seal", unstored.getFirst().fingerprint());
    }
}
