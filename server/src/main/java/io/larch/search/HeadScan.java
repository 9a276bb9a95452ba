package io.larch.search;

import io.larch.model.LogEvent;
import io.larch.query.EventMatcher;
import io.larch.query.Query;
import io.larch.storage.HeadSegment;
import io.larch.storage.StoreSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The head side of every query, through the head's index ({@link HeadSegment}): a query with an
 * exact {@code field:value} on an indexed field at its top level visits only the postings of its
 * rarest value; any other visits only the blocks whose time span, levels and token filter admit
 * it, newest block first. Either way each visited event is tested by {@link EventMatcher}, so the
 * answer is the scan's.
 */
public final class HeadScan {
    /**
     * Head events matched between two budget checks: a check reads the clock, so checking every
     * event would cost more than matching most of them.
     */
    static final int EVENTS_PER_BUDGET_CHECK = 4096;
    private static final LongSupplier NO_FLOOR = () -> Long.MIN_VALUE;

    private HeadScan() {
    }

    /** Passes each head event of {@code snapshot} that matches {@code query} to {@code action}. */
    public static void forEachMatch(StoreSnapshot snapshot, Query query, QueryBudget budget, Consumer<LogEvent> action) {
        forEachMatch(snapshot, query, budget, action, NO_FLOOR);
    }

    /**
     * Like {@link #forEachMatch(StoreSnapshot, Query, QueryBudget, Consumer)}, but events older than
     * {@code floorTs} (asked again as the scan goes: the page's oldest event once it is full) may be
     * left out, and blocks are visited newest first so that the floor rises early.
     */
    public static void forEachMatch(StoreSnapshot snapshot, Query query, QueryBudget budget, Consumer<LogEvent> action,
                                    LongSupplier floorTs) {
        Predicate<LogEvent> matcher = EventMatcher.compile(query);
        Planner.Bounds bounds = Planner.bounds(query);
        TextRequirements requirements = TextRequirements.of(query);
        long[] exactValues = Planner.exactValueHashes(query);
        List<Block> blocks = new ArrayList<>();
        for (HeadSegment segment : snapshot.head()) {
            if (!segment.holdsAnyOf(bounds.kinds())) {
                continue;
            }
            HeadSegment.View view = segment.view();
            HeadSegment.Postings postings = exactValues.length == 0 ? null : rarest(view, exactValues);
            if (postings == null && requirements != null) {
                // Words to test: the full blocks need their token filters (built once, by whichever query comes first).
                segment.indexFullBlocks(budget::check);
                view = segment.view();
            }
            if (postings != null) {
                visitPostings(view, postings, bounds, matcher, budget, action, floorTs);
                continue;
            }
            for (int block = 0; block < view.blocks(); block++) {
                if (admits(view, block, bounds) && (requirements == null || requirements.mayMatch(view, block))) {
                    blocks.add(new Block(view, block));
                }
            }
        }
        blocks.sort(Block.NEWEST_FIRST);
        int visited = 0;
        for (Block block : blocks) {
            if (block.maxTs() < floorTs.getAsLong()) {
                break;
            }
            HeadSegment.View view = block.view();
            for (int i = view.blockStart(block.index()); i < view.blockEnd(block.index()); i++) {
                if (visited++ % EVENTS_PER_BUDGET_CHECK == 0) {
                    budget.check();
                }
                LogEvent event = view.event(i);
                if (matcher.test(event)) {
                    action.accept(event);
                }
            }
        }
    }

    /** A block of one segment's view; its newest time is {@code maxTs}. */
    private record Block(HeadSegment.View view, int index) {
        static final Comparator<Block> NEWEST_FIRST = Comparator.comparingLong(Block::maxTs).reversed();

        long maxTs() {
            return view.isFull(index) ? view.blockMaxTs(index) : Long.MAX_VALUE;
        }
    }

    /** Visits the events of {@code postings}, newest position first, skipping the blocks the bounds or floor rule out. */
    private static void visitPostings(HeadSegment.View view, HeadSegment.Postings postings, Planner.Bounds bounds,
                                      Predicate<LogEvent> matcher, QueryBudget budget, Consumer<LogEvent> action,
                                      LongSupplier floorTs) {
        int[] positions = postings.positions();
        int i = postings.count() - 1;
        int visited = 0;
        while (i >= 0) {
            if (visited++ % EVENTS_PER_BUDGET_CHECK == 0) {
                budget.check();
            }
            int block = positions[i] / HeadSegment.BLOCK_EVENTS;
            if (view.isFull(block) && (!admits(view, block, bounds) || view.blockMaxTs(block) < floorTs.getAsLong())) {
                // Nothing of this block can match or make the page: go on before its first event.
                i = firstBelow(positions, i, view.blockStart(block));
                continue;
            }
            LogEvent event = view.event(positions[i]);
            if (matcher.test(event)) {
                action.accept(event);
            }
            i--;
        }
    }

    /** The greatest index at or below {@code from} whose position is below {@code start}; -1 if none. */
    private static int firstBelow(int[] positions, int from, int start) {
        int low = 0;
        int high = from;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (positions[mid] < start) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return high;
    }

    /** Whether the block's time span, levels and ids may hold a match; a block still filling always may. */
    private static boolean admits(HeadSegment.View view, int block, Planner.Bounds bounds) {
        if (!view.isFull(block)) {
            return true;
        }
        long minTs = view.blockMinTs(block);
        long maxTs = view.blockMaxTs(block);
        return maxTs >= bounds.fromMillis() && minTs < bounds.toMillis()
                && (view.blockLevels(block) & bounds.levelMask()) != 0
                && (bounds.olderThan() == null || minTs <= bounds.olderThan().ts())
                && view.blockMaxId(block) > bounds.idAbove();
    }

    /** The shortest postings among {@code hashes} (every match has each value), or null if the segment keeps none. */
    private static HeadSegment.Postings rarest(HeadSegment.View view, long[] hashes) {
        HeadSegment.Postings rarest = null;
        for (long hash : hashes) {
            HeadSegment.Postings postings = view.postings(hash);
            if (postings == null) {
                return null;
            }
            if (rarest == null || postings.count() < rarest.count()) {
                rarest = postings;
            }
        }
        return rarest;
    }
}
