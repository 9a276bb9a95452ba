package io.larch.security;

/**
 * A set of 64-bit keys in one {@code long[]} with linear probing: 8 bytes a slot, at most half
 * full, so 16-32 bytes a key where a {@code HashSet<Long>} costs about 60. There is no removal:
 * {@link SignatureReplayCache} drops whole sets once their minute has left the window.
 *
 * <p>Not thread-safe: the owner guards it.
 */
final class LongHashSet {
    /** Marks a free slot; a key of 0 is stored as {@link #ZERO_STAND_IN}, merging two keys in 2^64. */
    private static final long FREE = 0;
    private static final long ZERO_STAND_IN = 1;
    private static final int FIRST_CAPACITY = 16;

    private long[] slots = new long[FIRST_CAPACITY];
    private int size;

    boolean contains(long key) {
        long stored = key == FREE ? ZERO_STAND_IN : key;
        int mask = slots.length - 1;
        for (int i = slotOf(stored, mask); slots[i] != FREE; i = (i + 1) & mask) {
            if (slots[i] == stored) {
                return true;
            }
        }
        return false;
    }

    /** Adds {@code key}; false if it was already there. */
    boolean add(long key) {
        if (contains(key)) {
            return false;
        }
        if (2 * (size + 1) > slots.length) {
            grow();
        }
        insert(key == FREE ? ZERO_STAND_IN : key);
        size++;
        return true;
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        for (long key : old) {
            if (key != FREE) {
                insert(key);
            }
        }
    }

    private void insert(long stored) {
        int mask = slots.length - 1;
        int i = slotOf(stored, mask);
        while (slots[i] != FREE) {
            i = (i + 1) & mask;
        }
        slots[i] = stored;
    }

    /** Mixes the bits first (murmur3's finalizer) so keys that differ only in high bits spread out. */
    private static int slotOf(long key, int mask) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h & mask;
    }
}
