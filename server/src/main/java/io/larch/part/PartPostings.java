package io.larch.part;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A part's exact index: for every value of each of {@link TokenBloom#POSTED_FIELDS} (its
 * {@link TokenBloom#fieldHash}), the row numbers that hold it. Where the blooms say "maybe in
 * this row group", this says "in these rows": one user's latest events are found without
 * testing any other row, and a value a part lacks rules the part out.
 *
 * <p>File layout (little-endian): magic "LRCHPST1", u32 key count n; n entries of u64 key, u32
 * row count, u32 byte offset of its rows (from the start of the row area), sorted by key (signed);
 * the row area: per key its row numbers ascending, each as the unsigned LEB128 varint of its
 * difference to the previous (the first to 0); then u32 CRC32C of everything before it. A file
 * that is missing or fails its checksum reads as absent (the blooms then answer alone).
 * Two values with the same 64-bit hash share one list (a superset of each; the matcher then tests
 * the rows). Instances are immutable and thread-safe; the bytes stay in a read-only memory map.
 */
public final class PartPostings {
    static final byte[] MAGIC = "LRCHPST1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = MAGIC.length + 4;
    static final int ENTRY = 8 + 4 + 4;
    private static final long[] NONE = new long[0];

    private final ByteBuffer map;
    private final int keys;
    private final int rowArea;

    private PartPostings(ByteBuffer map, int keys) {
        this.map = map;
        this.keys = keys;
        this.rowArea = HEADER + keys * ENTRY;
    }

    public int keyCount() {
        return keys;
    }

    /** The rows holding the value of this {@link TokenBloom#fieldHash}, ascending; empty when none does. */
    public long[] rows(long key) {
        int entry = find(key);
        if (entry < 0) {
            return NONE;
        }
        int at = HEADER + entry * ENTRY;
        int count = map.getInt(at + 8);
        int position = rowArea + map.getInt(at + 12);
        long[] rows = new long[count];
        long row = 0;
        for (int i = 0; i < count; i++) {
            long delta = 0;
            int shift = 0;
            byte b;
            do {
                b = map.get(position++);
                delta |= (long) (b & 0x7f) << shift;
                shift += 7;
            } while (b < 0);
            row += delta;
            rows[i] = row;
        }
        return rows;
    }

    /** How many rows hold the value of this hash, without decoding them. */
    public int count(long key) {
        int entry = find(key);
        return entry < 0 ? 0 : map.getInt(HEADER + entry * ENTRY + 8);
    }

    /** The keys in order, for merging (compaction). */
    long key(int entry) {
        return map.getLong(HEADER + entry * ENTRY);
    }

    private int find(long key) {
        int low = 0;
        int high = keys - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            long value = map.getLong(HEADER + mid * ENTRY);
            if (value < key) {
                low = mid + 1;
            } else if (value > key) {
                high = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** Whether the mapped bytes still match the file's CRC32C (checked before a merge copies them, and by scrubs). */
    public boolean isStillWhole() {
        return SidecarFiles.crcMatches(map);
    }

    /** Maps a postings file; null when it is missing, malformed or fails its checksum. */
    public static PartPostings open(Path file) {
        ByteBuffer map = SidecarFiles.map(file, HEADER + 4);
        if (map == null || !SidecarFiles.crcMatches(map)) {
            return null;
        }
        try {
            long size = map.limit();
            byte[] magic = new byte[MAGIC.length];
            map.get(0, magic);
            int keys = map.getInt(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC) || keys < 0 || HEADER + (long) keys * ENTRY > size - 4) {
                return null;
            }
            return new PartPostings(map, keys);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
