package io.larch.part;

/**
 * An open-addressing map from long keys (hashes) to non-negative ints, without boxing: the
 * postings builders number each distinct value with it. Not thread-safe.
 */
public final class LongIntHashMap {
    private static final int ABSENT = -1;
    private long[] keys = new long[64];
    /** The value of each slot plus one; 0 marks an empty slot. */
    private int[] values = new int[64];
    private int size;

    /** The value of {@code key}, or -1 when it has none. */
    public int get(long key) {
        int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (values[i] == 0) {
                return ABSENT;
            }
            if (keys[i] == key) {
                return values[i] - 1;
            }
        }
    }

    /** Maps {@code key} to {@code value} (at least 0). */
    public void put(long key, int value) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = slot(key, mask);
        while (values[i] != 0 && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (values[i] == 0) {
            size++;
        }
        keys[i] = key;
        values[i] = value + 1;
    }

    public int size() {
        return size;
    }

    /** Bytes its arrays take (for memory budgets). */
    public long bytes() {
        return keys.length * 12L;
    }

    private static int slot(long key, int mask) {
        return (int) (key ^ (key >>> 29) ^ (key >>> 43)) & mask;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldValues.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != 0) {
                put(oldKeys[i], oldValues[i] - 1);
            }
        }
    }
}
