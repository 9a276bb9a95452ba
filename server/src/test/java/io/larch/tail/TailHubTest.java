package io.larch.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.ingest.IdGenerator;
import io.larch.ingest.StoredOrder;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.query.Field;
import io.larch.query.Query;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TailHubTest {
    private final StoredOrder[] order = new StoredOrder[1];
    private TailHub hub;

    private TailHub hub(int maxConnections, int maxPerUser, int queueEvents) {
        hub = new TailHub(action -> order[0].atReleasePoint(action),
                new TailHub.Limits(maxConnections, maxPerUser, queueEvents, 1_000_000));
        order[0] = new StoredOrder(new IdGenerator(Clock.systemUTC(), 0), hub::released);
        return hub;
    }

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close();
        }
    }

    /** Stores a batch of {@code count} work logs of {@code user} in project 1, as ingest does. */
    private List<LogEvent> store(String user, int count) {
        StoredOrder.Ticket ticket = order[0].begin(count);
        List<LogEvent> events = new ArrayList<>();
        for (long id : ticket.ids()) {
            events.add(new LogEvent(id, 0, 0, 1, Kind.WORK, Level.INFO, "step " + id, null, null, "fp", user, null, null,
                    null, null, "working", Map.of()));
        }
        order[0].finish(ticket, events);
        return events;
    }

    private static Query ofUser(String user) {
        return Query.and(List.of(new Query.ProjectIs(1), new Query.FieldEquals(Field.USER, user)));
    }

    /** Everything delivered until {@code count} events came or the stream ended. */
    private static List<LogEvent> take(Subscription subscription, int count) throws InterruptedException {
        List<LogEvent> events = new ArrayList<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (events.size() < count && System.nanoTime() < deadline) {
            Delivery delivery = subscription.await(100);
            events.addAll(delivery.events());
            if (delivery.ended() != null) {
                break;
            }
        }
        return events;
    }

    @Test
    void aStreamGetsItsUsersEventsFromTheReleasePointOnAndNothingOfOthers() throws Exception {
        hub(10, 3, 100);
        List<LogEvent> before = store("u1", 2);
        Subscription mine = hub.open(StreamKind.WORK_LOG, 1, ofUser("u1"));
        long point = hub.goLive(mine);
        assertTrue(point > before.getLast().id(), "what was stored before is below the point (read from the store)");
        store("u2", 3);
        List<LogEvent> after = store("u1", 4);
        assertEquals(after, take(mine, 4));
        assertTrue(mine.await(200).isEmpty(), "nothing of user u2");
        mine.close();
        assertEquals(0, hub.openStreams(StreamKind.WORK_LOG));
    }

    @Test
    void aClientThatStopsReadingIsEndedAfterThreeStrikesWhileItsNeighbourGetsEverything() throws Exception {
        hub(10, 10, 5);
        Subscription stuck = hub.open(StreamKind.LOG, 1, new Query.ProjectIs(1));
        Subscription reading = hub.open(StreamKind.LOG, 1, new Query.ProjectIs(1));
        hub.goLive(stuck);
        hub.goLive(reading);
        List<LogEvent> all = new ArrayList<>();
        List<LogEvent> received = new ArrayList<>();
        for (int batch = 0; batch < 4; batch++) {
            all.addAll(store("u1", 4));
            received.addAll(take(reading, 4));
        }
        assertEquals(all, received, "the reading client received every event");
        // Batch 1 fits the stuck client's queue (5); batches 2, 3 and 4 overflow it: three strikes.
        Delivery last = stuck.await(1000);
        assertEquals(all.subList(0, 5), last.events(), "what was queued still goes out, before the end");
        assertEquals(11, last.dropped());
        assertEquals(EndReason.TOO_SLOW, last.ended());
        assertEquals(3, last.strikes());
        assertEquals(11, hub.droppedEvents(TailHub.DROP_SLOW));
    }

    @Test
    void aStrikeIsForgivenWhenTheNextBatchFits() throws Exception {
        hub(10, 10, 3);
        Subscription slow = hub.open(StreamKind.LOG, 1, new Query.ProjectIs(1));
        hub.goLive(slow);
        for (int round = 0; round < 5; round++) {
            store("u1", 5);
            Delivery delivery = slow.await(1000);
            assertEquals(3, delivery.events().size());
            while (delivery.dropped() == 0) {
                delivery = slow.await(1000);
            }
            assertEquals(2, delivery.dropped());
            store("u1", 1);
            assertEquals(1, take(slow, 1).size(), "a batch that fits resets the strikes: round " + round);
        }
    }

    @Test
    void aUsersFourthStreamEndsTheOldestAndTheServerCapRefusesTheNext() throws Exception {
        hub(5, 3, 10);
        List<Subscription> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            streams.add(hub.open(StreamKind.WORK_LOG, 1, ofUser("u1")));
        }
        assertEquals(EndReason.REPLACED, streams.getFirst().await(1000).ended());
        assertTrue(streams.get(1).await(50).isEmpty(), "the others go on");
        hub.open(StreamKind.LOG, 1, new Query.ProjectIs(1));
        assertThrows(TooManyStreamsException.class, () -> hub.open(StreamKind.LOG, 1, new Query.ProjectIs(1)));
        streams.getFirst().close();
        hub.open(StreamKind.LOG, 1, new Query.ProjectIs(1));
        assertEquals(1, hub.refusedStreams());
    }
}
