package io.larch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.testing.Events;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoredOrderTest {
    private final List<Long> released = new ArrayList<>();
    private final StoredOrder order = new StoredOrder(new IdGenerator(Clock.systemUTC(), 0),
            events -> events.forEach(e -> released.add(e.id())));

    private static List<LogEvent> stored(StoredOrder.Ticket ticket) {
        List<LogEvent> events = new ArrayList<>();
        for (long id : ticket.ids()) {
            events.add(Events.event(id, 0, 1, Kind.APP, "m").withId(id));
        }
        return events;
    }

    @Test
    void aLaterBatchWaitsForAnEarlierOneAndAFailedOneReleasesNothing() {
        StoredOrder.Ticket first = order.begin(2);
        StoredOrder.Ticket second = order.begin(1);
        StoredOrder.Ticket third = order.begin(1);
        order.finish(second, stored(second));
        assertTrue(released.isEmpty(), "the second batch is stored, but the first is still on its way");
        assertEquals(first.ids()[0], order.atReleasePoint(point -> { }), "the release point is the first unreleased id");
        order.finish(first, List.of());
        assertEquals(List.of(second.ids()[0]), released, "the first failed: the second goes out alone");
        order.finish(third, stored(third));
        assertEquals(List.of(second.ids()[0], third.ids()[0]), released);
        long point = order.atReleasePoint(p -> { });
        assertTrue(point > third.ids()[0], "nothing in flight: the point is above every id handed out");
        assertTrue(order.begin(1).ids()[0] >= point, "and at most the next id");
    }

    @Test
    void manyThreadsFinishingInAnyOrderReleaseEveryStoredIdOnceInOrder() throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 500; i++) {
                    StoredOrder.Ticket ticket = order.begin(1 + i % 5);
                    Thread.onSpinWait();
                    order.finish(ticket, i % 7 == 0 ? List.of() : stored(ticket));
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int i = 1; i < released.size(); i++) {
            assertTrue(released.get(i) > released.get(i - 1), "released in id order at " + i);
        }
        int expected = 0;
        for (int i = 0; i < 500; i++) {
            expected += i % 7 == 0 ? 0 : 1 + i % 5;
        }
        assertEquals(8 * expected, released.size());
    }
}
