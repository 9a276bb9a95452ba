package io.larch.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.EventId;
import io.larch.model.Kind;
import io.larch.model.LogEvent;
import io.larch.testing.Events;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The watermark: every node's events out in id order, none twice, nothing below it later. */
class WatermarkMergeTest {
    private static final int SELF = 1;
    private static final int PEER = 2;
    private static final int THIRD = 3;

    private final List<Long> out = new ArrayList<>();
    private boolean streamsOpen = true;
    private final WatermarkMerge merge = new WatermarkMerge(id(100, SELF, 0),
            events -> events.forEach(e -> out.add(e.id())), () -> streamsOpen);

    private static long id(long millis, int node, int sequence) {
        return EventId.pack(millis, node, sequence);
    }

    private static LogEvent event(long id) {
        return Events.event(id, EventId.millisOf(id), 1, Kind.APP, "m" + id);
    }

    private static List<LogEvent> events(long... ids) {
        List<LogEvent> list = new ArrayList<>();
        for (long id : ids) {
            list.add(event(id));
        }
        return list;
    }

    /** Goes live (activating the fetches) and returns the point. */
    private long live() {
        return merge.at(point -> { });
    }

    private void fetched(int node, boolean complete, long point, long... ids) {
        WatermarkMerge.Position position = merge.position(node);
        merge.fetched(node, position.epoch(), events(ids), complete, point);
    }

    @Test
    void aSingleNodeReleasesItsOwnEventsAtOnce() {
        live();
        merge.local(events(id(101, SELF, 0), id(101, SELF, 1)));
        assertEquals(List.of(id(101, SELF, 0), id(101, SELF, 1)), out);
        assertEquals(id(101, SELF, 2), merge.watermark());
    }

    @Test
    void aLivePeerHoldsLocalEventsUntilItReportsPastThem() {
        merge.peerAlive(PEER);
        live();
        merge.local(events(id(105, SELF, 0)));
        assertEquals(List.of(), out, "held: the peer may still have older events");
        fetched(PEER, true, id(104, PEER, 0), id(102, PEER, 0), id(103, PEER, 0));
        assertEquals(List.of(id(102, PEER, 0), id(103, PEER, 0)), out);
        fetched(PEER, true, id(110, PEER, 0), id(106, PEER, 0));
        assertEquals(List.of(id(102, PEER, 0), id(103, PEER, 0), id(105, SELF, 0)), out,
                "the local point (105,1) holds the peer's 106 back");
        merge.localPoint(id(107, SELF, 0));
        assertEquals(id(106, PEER, 0), out.getLast());
    }

    @Test
    void anIncompleteFetchDoesNotMoveThePeersPoint() {
        merge.peerAlive(PEER);
        live();
        merge.localPoint(id(200, SELF, 0));
        fetched(PEER, false, id(300, PEER, 0), id(150, PEER, 0));
        assertEquals(List.of(), out, "more follow: the peer's point is not known to be reached");
        fetched(PEER, true, id(300, PEER, 0), id(160, PEER, 0));
        assertEquals(List.of(id(150, PEER, 0), id(160, PEER, 0)), out);
    }

    @Test
    void eachEventOnceWhatEverIsFetchedTwice() {
        merge.peerAlive(PEER);
        live();
        merge.localPoint(id(500, SELF, 0));
        fetched(PEER, false, id(400, PEER, 0), id(101, PEER, 0), id(102, PEER, 0));
        fetched(PEER, true, id(400, PEER, 0), id(101, PEER, 0), id(102, PEER, 0), id(103, PEER, 0));
        assertEquals(List.of(id(101, PEER, 0), id(102, PEER, 0), id(103, PEER, 0)), out);
    }

    @Test
    void aStalePeerStopsHoldingTheWatermarkAndItsLateEventsAreCounted() {
        merge.peerAlive(PEER);
        live();
        merge.local(events(id(120, SELF, 0)));
        assertEquals(List.of(), out);
        merge.peerGone(PEER);
        assertEquals(List.of(id(120, SELF, 0)), out);
        merge.peerAlive(PEER);
        fetched(PEER, true, id(130, PEER, 0), id(110, PEER, 0), id(125, PEER, 0));
        assertEquals(1, merge.lateEvents(), "110 is below the watermark (120,1): too late for live streams");
        merge.localPoint(id(200, SELF, 0));
        assertEquals(List.of(id(120, SELF, 0), id(125, PEER, 0)), out);
    }

    @Test
    void aPeerThatFallsTooFarBehindStopsHoldingTheWatermark() {
        merge.peerAlive(PEER);
        live();
        merge.local(events(id(1000, SELF, 0)));
        assertEquals(List.of(), out);
        merge.localPoint(id(100 + WatermarkMerge.MAX_PEER_LAG_MILLIS + 1, SELF, 0));
        assertEquals(List.of(id(1000, SELF, 0)), out, "the peer's point (100) is over the lag bound behind");
        fetched(PEER, true, id(20_000, PEER, 0), id(900, PEER, 0), id(15_000, PEER, 0));
        assertEquals(1, merge.lateEvents(), "what it had below the watermark is late");
        assertEquals(List.of(id(1000, SELF, 0)), out, "caught up, it holds the watermark again: 15000 waits for the local point");
    }

    @Test
    void anAnnouncementWithNothingNewMovesThePointWithoutAFetch() {
        merge.peerAlive(PEER);
        live();
        merge.local(events(id(140, SELF, 0)));
        assertFalse(merge.announced(PEER, id(150, PEER, 0), id(99, PEER, 0)), "its newest event is fetched already");
        assertEquals(List.of(id(140, SELF, 0)), out);
        assertTrue(merge.announced(PEER, id(160, PEER, 0), id(155, PEER, 0)), "155 is not fetched yet: fetch");
        assertEquals(List.of(id(140, SELF, 0)), out);
    }

    @Test
    void whileNoStreamListensPeersAreNotFetchedAndGoingLiveFetchesFromTheWatermark() {
        merge.peerAlive(PEER);
        streamsOpen = false;
        assertFalse(merge.position(PEER).active());
        assertFalse(merge.announced(PEER, id(300, PEER, 0), id(299, PEER, 0)), "nobody listens: no fetch");
        merge.localPoint(id(250, SELF, 0));
        assertEquals(id(250, SELF, 0), merge.watermark());
        streamsOpen = true;
        long point = live();
        assertEquals(id(250, SELF, 0), point);
        WatermarkMerge.Position position = merge.position(PEER);
        assertTrue(position.active());
        assertEquals(point - 1, position.after(), "the peer's events from the stream's point on are fetched");
        merge.localPoint(id(400, SELF, 0));
        assertEquals(point, merge.watermark(), "held until the peer is fetched up to its point");
        fetched(PEER, true, id(320, PEER, 0), id(260, PEER, 0), id(299, PEER, 0));
        assertEquals(List.of(id(260, PEER, 0), id(299, PEER, 0)), out);
    }

    @Test
    void aFetchBegunBeforeGoingLiveAgainIsIgnored() {
        merge.peerAlive(PEER);
        live();
        WatermarkMerge.Position old = merge.position(PEER);
        streamsOpen = false;
        merge.position(PEER);
        streamsOpen = true;
        live();
        merge.localPoint(id(900, SELF, 0));
        merge.fetched(PEER, old.epoch(), events(id(150, PEER, 0)), true, id(800, PEER, 0));
        assertEquals(List.of(), out, "a result of the old epoch changes nothing");
    }

    @Test
    void theSlowestOfSeveralPeersHoldsTheWatermark() {
        merge.peerAlive(PEER);
        merge.peerAlive(THIRD);
        live();
        merge.localPoint(id(1000, SELF, 0));
        fetched(PEER, true, id(900, PEER, 0), id(300, PEER, 0), id(800, PEER, 0));
        fetched(THIRD, true, id(500, THIRD, 0), id(400, THIRD, 0));
        assertEquals(List.of(id(300, PEER, 0), id(400, THIRD, 0)), out);
        assertEquals(id(500, THIRD, 0), merge.watermark());
        assertNull(merge.position(9), "not a peer");
    }

    @Test
    void tooManyHeldEventsAreReleasedOldestFirstAndCounted() {
        merge.peerAlive(PEER);
        live();
        List<LogEvent> many = new ArrayList<>();
        for (int i = 0; i < WatermarkMerge.MAX_HELD + 5; i++) {
            many.add(event(id(2000 + i / 4000, SELF, i % 4000)));
        }
        merge.local(many);
        assertEquals(5, out.size());
        assertEquals(5, merge.forcedEvents());
        assertEquals(many.get(4).id() + 1, merge.watermark());
    }
}
