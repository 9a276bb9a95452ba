package io.larch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class EventIdTest {
    @Test
    void roundTripsThroughText() {
        Random random = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            long id = EventId.pack(random.nextLong(1L << 41), random.nextInt(1024), random.nextInt(4096));
            assertEquals(id, EventId.parse(EventId.format(id)));
            assertEquals(EventId.TEXT_LENGTH, EventId.format(id).length());
        }
    }

    @Test
    void textSortsLikeTheNumber() {
        Random random = new Random(2);
        for (int i = 0; i < 10_000; i++) {
            long a = random.nextLong() >>> 1;
            long b = random.nextLong() >>> 1;
            assertEquals(Long.signum(Long.compare(a, b)), Integer.signum(EventId.format(a).compareTo(EventId.format(b))));
        }
    }

    @Test
    void unpacksItsParts() {
        long id = EventId.pack(1_795_000_000_000L, 7, 42);
        assertEquals(1_795_000_000_000L, EventId.millisOf(id));
        assertEquals(7, EventId.nodeOf(id));
        assertTrue(EventId.pack(1_795_000_000_001L, 0, 0) > EventId.pack(1_795_000_000_000L, 1023, 4095));
    }

    @Test
    void rejectsMalformedText() {
        assertThrows(IllegalArgumentException.class, () -> EventId.parse("short"));
        assertThrows(IllegalArgumentException.class, () -> EventId.parse("ZZZZZZZZZZZZZ"));
        assertThrows(IllegalArgumentException.class, () -> EventId.parse("0000000000-00"));
    }
}
