package io.larch.parquet;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * The per-row arrays (levels, values, indices) a {@link PartRowGroup} decodes into, borrowed by
 * exact length and given back when the row group is done. Decoding a row group allocated ~4 MB
 * of them, so a needle search over 50 M events allocated ~300 MB and spent a third of its time
 * zeroing memory and collecting it. Not thread-safe: one row group uses one at a time.
 */
public final class DecodeArrays {
    /** Kept for reuse: enough for the row groups a search decodes at once (one per core and a few). */
    private static final int KEPT = 8;
    private static final ConcurrentLinkedQueue<DecodeArrays> FREE = new ConcurrentLinkedQueue<>();
    /** Arrays of each kind kept per instance: a row group borrows about 40 ints at most. */
    private static final int MAX_FREE_ARRAYS = 64;

    // Few distinct lengths occur (rows, present values, dictionary sizes), so a list scan finds one
    // faster than a map keyed by boxed lengths.
    private final List<int[]> freeInts = new ArrayList<>();
    private final List<long[]> freeLongs = new ArrayList<>();
    private final List<byte[][]> freeRefs = new ArrayList<>();
    private final List<int[]> borrowedInts = new ArrayList<>();
    private final List<long[]> borrowedLongs = new ArrayList<>();
    private final List<byte[][]> borrowedRefs = new ArrayList<>();

    private DecodeArrays() {
    }

    public static DecodeArrays take() {
        DecodeArrays arrays = FREE.poll();
        return arrays != null ? arrays : new DecodeArrays();
    }

    /** An int array of exactly {@code length}; its contents are left over from an earlier use. */
    public int[] ints(int length) {
        return borrow(freeInts, borrowedInts, length, a -> a.length, int[]::new);
    }

    long[] longs(int length) {
        return borrow(freeLongs, borrowedLongs, length, a -> a.length, long[]::new);
    }

    byte[][] refs(int length) {
        return borrow(freeRefs, borrowedRefs, length, a -> a.length, byte[][]::new);
    }

    private static <A> A borrow(List<A> free, List<A> borrowed, int length, ToIntFunction<A> lengthOf,
                                IntFunction<A> create) {
        A array = null;
        for (int i = free.size() - 1; i >= 0 && array == null; i--) {
            if (lengthOf.applyAsInt(free.get(i)) == length) {
                array = free.remove(i);
            }
        }
        array = array != null ? array : create.apply(length);
        borrowed.add(array);
        return array;
    }

    /** Takes back every array lent out; the borrower must not touch them again. */
    public void giveBack() {
        freeInts.addAll(borrowedInts);
        freeLongs.addAll(borrowedLongs);
        for (byte[][] array : borrowedRefs) {
            // Drop the references to page buffers so they can be collected. Values are filled
            // from the start, so the first null ends them: a row group read for one row (a
            // postings hit) clears what it used, not every slot.
            for (int i = 0; i < array.length && array[i] != null; i++) {
                array[i] = null;
            }
        }
        freeRefs.addAll(borrowedRefs);
        borrowedInts.clear();
        borrowedLongs.clear();
        borrowedRefs.clear();
        // Arrays of lengths that stopped coming up would pile up; keep a bounded number.
        trim(freeInts);
        trim(freeLongs);
        trim(freeRefs);
        if (FREE.size() < KEPT) {
            FREE.offer(this);
        }
    }

    private static void trim(List<?> free) {
        if (free.size() > MAX_FREE_ARRAYS) {
            free.subList(0, free.size() - MAX_FREE_ARRAYS).clear();
        }
    }
}
