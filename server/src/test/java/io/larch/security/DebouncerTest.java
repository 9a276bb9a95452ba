package io.larch.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DebouncerTest {
    private final MutableClock clock = MutableClock.at("2026-12-02T10:00:00Z");
    private final Debouncer debouncer = new Debouncer(clock, Duration.ofSeconds(1), 1000);
    private final long thinking = Debouncer.key(1, "u1", null, "ai_response", "working", "thinking");

    @Test
    void aRepeatWithinTheWindowIsDroppedAndPassesOncePerWindow() {
        assertFalse(debouncer.isRepeat(thinking));
        clock.advance(Duration.ofMillis(999));
        assertTrue(debouncer.isRepeat(thinking), "999 ms later: a repeat");
        clock.advance(Duration.ofMillis(1));
        assertFalse(debouncer.isRepeat(thinking), "1000 ms after the one that passed: shown again");
        clock.advance(Duration.ofMillis(500));
        assertTrue(debouncer.isRepeat(thinking), "a steady stream every 0.5 s passes once a second");
        clock.advance(Duration.ofMillis(500));
        assertFalse(debouncer.isRepeat(thinking));
    }

    @Test
    void anyDifferenceMakesItAnotherEvent() {
        assertFalse(debouncer.isRepeat(thinking));
        assertFalse(debouncer.isRepeat(Debouncer.key(1, "u1", null, "ai_response", "success", "thinking")));
        assertFalse(debouncer.isRepeat(Debouncer.key(1, "u2", null, "ai_response", "working", "thinking")));
        assertFalse(debouncer.isRepeat(Debouncer.key(2, "u1", null, "ai_response", "working", "thinking")));
        assertFalse(debouncer.isRepeat(Debouncer.key(1, "u1", null, "tool_call", "working", "thinking")));
        assertFalse(debouncer.isRepeat(Debouncer.key(1, "u1", null, null, "working", "thinking")));
        assertNotEquals(Debouncer.key(1, "ab", null, "c", null, "m"), Debouncer.key(1, "a", null, "bc", null, "m"), "fields stay apart");
        assertFalse(debouncer.isRepeat(Debouncer.key(1, "u1", "6H02EB77C0000", "ai_response", "working", "thinking")),
                "an update of one entry is not a repeat of another entry's event");
    }

    @Test
    void aForgottenEventPassesAgain() {
        assertFalse(debouncer.isRepeat(thinking));
        debouncer.forget(thinking);
        assertFalse(debouncer.isRepeat(thinking), "its batch was not stored, so the retry passes");
    }

    @Test
    void memoryStaysBounded() {
        for (int i = 0; i < 10_000; i++) {
            debouncer.isRepeat(Debouncer.key(1, "u" + i, null, null, null, "m"));
        }
        assertTrue(debouncer.size() <= 1000, "entries " + debouncer.size());
        clock.advance(Duration.ofSeconds(2));
        debouncer.isRepeat(thinking);
        assertEquals(true, debouncer.size() <= 1000);
    }
}
