package io.larch.part;

import java.util.Arrays;
import java.util.function.LongConsumer;

/** An open-addressing set of longs, for counting a block's distinct token hashes without boxing. Not thread-safe. */
public final class LongHashSet {
    private static final long EMPTY = 0;
    private long[] slots = new long[1 << 12];
    private boolean hasZero;
    private int size;

    public void add(long value) {
        if (value == EMPTY) {
            if (!hasZero) {
                hasZero = true;
                size++;
            }
            return;
        }
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        int mask = slots.length - 1;
        int i = (int) (value ^ (value >>> 29)) & mask;
        while (slots[i] != EMPTY) {
            if (slots[i] == value) {
                return;
            }
            i = (i + 1) & mask;
        }
        slots[i] = value;
        size++;
    }

    public int size() {
        return size;
    }

    public void forEach(LongConsumer action) {
        if (hasZero) {
            action.accept(EMPTY);
        }
        for (long slot : slots) {
            if (slot != EMPTY) {
                action.accept(slot);
            }
        }
    }

    public void clear() {
        Arrays.fill(slots, EMPTY);
        hasZero = false;
        size = 0;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        size = hasZero ? 1 : 0;
        for (long value : old) {
            if (value != EMPTY) {
                add(value);
            }
        }
    }
}
