package io.larch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.EventId;
import io.larch.testing.MutableClock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdGeneratorTest {
    private final MutableClock clock = MutableClock.at("2026-11-22T10:00:00Z");

    @Test
    void idsIncreaseAndCarryTimeAndNode() {
        IdGenerator ids = new IdGenerator(clock, 5);
        long[] batch = ids.next(3);
        assertEquals(clock.millis(), EventId.millisOf(batch[0]));
        assertEquals(5, EventId.nodeOf(batch[0]));
        assertTrue(batch[0] < batch[1] && batch[1] < batch[2]);
    }

    @Test
    void borrowsTheNextMillisecondWhenTheSequenceRunsOut() {
        IdGenerator ids = new IdGenerator(clock, 0);
        long[] many = ids.next(10_000);
        Set<Long> unique = new HashSet<>();
        for (int i = 0; i < many.length; i++) {
            assertTrue(unique.add(many[i]));
            if (i > 0) {
                assertTrue(many[i] > many[i - 1]);
            }
        }
        assertEquals(clock.millis() + 2, EventId.millisOf(many[many.length - 1]));
    }

    @Test
    void keepsIncreasingWhenTheClockStepsBack() {
        IdGenerator ids = new IdGenerator(clock, 0);
        long before = ids.next(1)[0];
        clock.advance(Duration.ofSeconds(-10));
        assertTrue(ids.next(1)[0] > before);
    }

    @Test
    void advancePastMakesLaterIdsGreater() {
        IdGenerator ids = new IdGenerator(clock, 0);
        long future = EventId.pack(clock.millis() + 60_000, 0, 17);
        ids.advancePast(future);
        assertTrue(ids.next(1)[0] > future);
    }
}
