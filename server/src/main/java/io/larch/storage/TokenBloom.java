package io.larch.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The token bloom filters of one part: one filter per block of {@link #blockRows()} consecutive
 * rows (the part's Parquet row groups), holding every token of those rows' message, source and
 * stack. A block whose filter lacks a query's required token cannot match and is not read.
 *
 * <p>File layout (little-endian): magic "LRCHBLM1", u32 block rows, u32 block count, then per
 * block u32 row count, u32 hash count k, u32 word count n, n x u64 bit words; then u32 CRC32C
 * of everything before it. A file that fails its checksum is treated as absent (read everything).
 * Instances are immutable and thread-safe; the bits stay in a read-only memory map.
 */
public final class TokenBloom {
    static final byte[] MAGIC = "LRCHBLM1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 8;

    private final ByteBuffer bits;
    private final int blockRows;
    private final int[] rowCounts;
    private final int[] hashCounts;
    private final int[] wordCounts;
    private final int[] offsets;

    private TokenBloom(ByteBuffer bits, int blockRows, int[] rowCounts, int[] hashCounts, int[] wordCounts, int[] offsets) {
        this.bits = bits;
        this.blockRows = blockRows;
        this.rowCounts = rowCounts;
        this.hashCounts = hashCounts;
        this.wordCounts = wordCounts;
        this.offsets = offsets;
    }

    public int blockRows() {
        return blockRows;
    }

    public int blocks() {
        return rowCounts.length;
    }

    /** Rows {@code [blockRows * block, blockRows * block + rowCount(block))} are in the block. */
    public int rowCount(int block) {
        return rowCounts[block];
    }

    /** False only when no row of {@code block} has a token with this {@link #hash}. */
    public boolean mightContain(int block, long hash) {
        int words = wordCounts[block];
        long numBits = (long) words * 64;
        int h1 = (int) hash;
        int h2 = (int) (hash >>> 32);
        for (int i = 1; i <= hashCounts[block]; i++) {
            int combined = h1 + i * h2;
            long bit = (combined & Integer.MAX_VALUE) % numBits;
            long word = bits.getLong(offsets[block] + (int) (bit >>> 6) * 8);
            if ((word & (1L << (bit & 63))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** 64-bit hash of a (lowercase) token: FNV-1a over UTF-16 units, finished with a MurmurHash3 mix. */
    public static long hash(String token) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < token.length(); i++) {
            h ^= token.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** Maps a bloom file; null when it is missing, truncated or fails its checksum. */
    public static TokenBloom open(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < HEADER + 4 || size > Integer.MAX_VALUE) {
                return null;
            }
            ByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            return parse(map);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static TokenBloom parse(ByteBuffer map) {
        int size = map.limit();
        CRC32C crc = new CRC32C();
        crc.update(map.duplicate().limit(size - 4));
        if ((int) crc.getValue() != map.getInt(size - 4)) {
            return null;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (map.get(i) != MAGIC[i]) {
                return null;
            }
        }
        int blockRows = map.getInt(MAGIC.length);
        int blocks = map.getInt(MAGIC.length + 4);
        int[] rowCounts = new int[blocks];
        int[] hashCounts = new int[blocks];
        int[] wordCounts = new int[blocks];
        int[] offsets = new int[blocks];
        int position = HEADER;
        for (int b = 0; b < blocks; b++) {
            rowCounts[b] = map.getInt(position);
            hashCounts[b] = map.getInt(position + 4);
            wordCounts[b] = map.getInt(position + 8);
            offsets[b] = position + 12;
            position = offsets[b] + wordCounts[b] * 8;
            if (position > size - 4 || wordCounts[b] <= 0) {
                return null;
            }
        }
        return new TokenBloom(map, blockRows, rowCounts, hashCounts, wordCounts, offsets);
    }
}
