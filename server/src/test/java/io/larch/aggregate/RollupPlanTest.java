package io.larch.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.part.PartRecord;
import io.larch.part.PartState;
import io.larch.query.Query;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which minutes a part's rollup answers at the ends of a range, and when it must be read raw. */
class RollupPlanTest {
    private static final long MINUTE = 60_000;
    private static final long M0 = 1_795_000_020_000L / MINUTE * MINUTE;
    private static final PartRecord PART = new PartRecord(1, "p", 1, Kind.APP, PartState.PUBLISHED, 0, M0,
            M0 + 10 * MINUTE, 1, 100, 1, 0xff, 0, PartRecord.NO_CHECKSUM, PartRecord.NO_CHECKSUM);

    /** A part with events in minutes M0..M0+9, each minute's between {@code firstOffset} and {@code lastOffset} into it. */
    private static MinuteCounts.PartCounts minutes(long firstOffset, long lastOffset) {
        long[][] counts = new long[10][Level.values().length];
        long[] minTs = new long[10];
        long[] maxTs = new long[10];
        for (int m = 0; m < 10; m++) {
            counts[m][Level.INFO.severity()] = 5;
            minTs[m] = M0 + m * MINUTE + firstOffset;
            maxTs[m] = M0 + m * MINUTE + lastOffset;
        }
        return new MinuteCounts.PartCounts(M0, counts, minTs, maxTs);
    }

    private static RollupPlan plan(long from, long to) {
        return RollupPlan.of(Query.and(List.of(new Query.ProjectIs(1), new Query.TimeWithin(from, to))));
    }

    /** Asserts the share's rollup minutes (as minute numbers after M0) and raw edges. */
    private static void assertShare(RollupPlan.PartShare share, int fromMinute, int toMinute, boolean rawStart,
                                    boolean rawEnd) {
        assertEquals(M0 + fromMinute * MINUTE, share.rollupFrom(), "rollup from");
        assertEquals(M0 + toMinute * MINUTE, share.rollupTo(), "rollup to");
        assertEquals(rawStart, share.rawStart(), "raw start");
        assertEquals(rawEnd, share.rawEnd(), "raw end");
    }

    @Test
    void wholeMinutesNeedNoEdges() {
        RollupPlan plan = plan(M0 + 2 * MINUTE, M0 + 5 * MINUTE);
        assertNull(plan.startEdge());
        assertNull(plan.endEdge());
        assertShare(plan.share(PART, minutes(0, 59_000)), 2, 5, false, false);
    }

    @Test
    void anEdgeMinuteWhollyInsideTheRangeIsCountedFromTheRollup() {
        // Range 2:10 .. 5:50; the part's events sit at :20..:40 of each minute: inside at 2, inside at 5.
        assertShare(plan(M0 + 2 * MINUTE + 10_000, M0 + 5 * MINUTE + 50_000).share(PART, minutes(20_000, 40_000)),
                2, 6, false, false);
    }

    @Test
    void anEdgeMinuteWhollyOutsideTheRangeIsSkipped() {
        // Range 2:50 .. 5:10; events at :20..:40 are before the start in minute 2 and after the end in minute 5.
        assertShare(plan(M0 + 2 * MINUTE + 50_000, M0 + 5 * MINUTE + 10_000).share(PART, minutes(20_000, 40_000)),
                3, 5, false, false);
    }

    @Test
    void anEdgeMinuteTheRangeCutsThroughIsReadRaw() {
        assertShare(plan(M0 + 2 * MINUTE + 30_000, M0 + 5 * MINUTE + 30_000).share(PART, minutes(20_000, 40_000)),
                3, 5, true, true);
    }

    @Test
    void aMinuteWithoutEventsOfThePartNeedsNothing() {
        MinuteCounts.PartCounts sparse = minutes(20_000, 40_000);
        Arrays.fill(sparse.counts()[2], 0);
        sparse.minTs()[2] = Long.MAX_VALUE;
        sparse.maxTs()[2] = Long.MIN_VALUE;
        assertShare(plan(M0 + 2 * MINUTE + 30_000, M0 + 5 * MINUTE).share(PART, sparse), 3, 5, false, false);
    }
}
