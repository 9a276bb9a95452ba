package io.larch.part;

import io.larch.model.Tokenizer;
import io.larch.part.PartColumns;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The token bloom filters of one part: one filter per block of consecutive rows (a sealed part's
 * Parquet row groups; a compacted part keeps its inputs' blocks), holding every token of those
 * rows' message, source and stack, and the whole values of the {@link #INDEXED_FIELDS}. A block
 * whose filter lacks a query's required token or value cannot match and is not read.
 *
 * <p>File layout (little-endian): magic "LRCHBLM3", u32 block count, then per block u64 first
 * row, u32 row count, u32 hash count k, u32 word count n, n x u64 bit words; then u32 CRC32C of
 * everything before it. A file that fails its checksum is treated as absent (read everything).
 * Files with magic "LRCHBLM2" (before 2026-12) are laid out the same, but their non-ASCII
 * tokens were lowercased with {@code String.toLowerCase}, not folded per code point as
 * {@link io.larch.model.Tokenizer#fold} does now: see {@link #foldsPerCodePoint()}.
 * Instances are immutable and thread-safe; the bits stay in a read-only memory map.
 */
public final class TokenBloom implements TokenFilter {
    static final byte[] MAGIC = "LRCHBLM3".getBytes(StandardCharsets.US_ASCII);
    /** The magic of files whose non-ASCII tokens were lowercased the earlier way. */
    static final byte[] MAGIC_BEFORE_FOLDING = "LRCHBLM2".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = MAGIC.length + 4;
    /** Bytes before a block's bit words: first row, row count, hash count, word count. */
    static final int BLOCK_HEADER = 8 + 4 + 4 + 4;

    private final ByteBuffer bits;
    private final long[] firstRows;
    private final int[] rowCounts;
    private final int[] hashCounts;
    private final int[] wordCounts;
    private final int[] offsets;
    private final boolean foldsPerCodePoint;

    private TokenBloom(ByteBuffer bits, long[] firstRows, int[] rowCounts, int[] hashCounts, int[] wordCounts,
                       int[] offsets, boolean foldsPerCodePoint) {
        this.foldsPerCodePoint = foldsPerCodePoint;
        this.bits = bits;
        this.firstRows = firstRows;
        this.rowCounts = rowCounts;
        this.hashCounts = hashCounts;
        this.wordCounts = wordCounts;
        this.offsets = offsets;
    }

    /**
     * Whether non-ASCII tokens were hashed as {@link io.larch.model.Tokenizer#fold} folds them;
     * false for files written before (a query's non-ASCII token may be there under another
     * spelling, so such a file cannot rule it out, and a merge rebuilds it from the rows).
     */
    @Override
    public boolean foldsPerCodePoint() {
        return foldsPerCodePoint;
    }

    public int blocks() {
        return rowCounts.length;
    }

    /** The block holds rows {@code [firstRow(block), firstRow(block) + rowCount(block))} of the part. */
    public long firstRow(int block) {
        return firstRows[block];
    }

    public int rowCount(int block) {
        return rowCounts[block];
    }

    /** The block's bytes as stored (for concatenating parts' filters), with its first row moved by {@code rowOffset}. */
    ByteBuffer blockBytes(int block, long rowOffset) {
        int start = offsets[block] - BLOCK_HEADER;
        int length = BLOCK_HEADER + wordCounts[block] * 8;
        ByteBuffer copy = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(bits.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(start).limit(start + length));
        copy.putLong(0, firstRows[block] + rowOffset);
        return copy.flip();
    }

    /** False only when no row of {@code block} has a token with this {@link #hash}. */
    @Override
    public boolean mightContain(int block, long hash) {
        long numBits = (long) wordCounts[block] * 64;
        for (int i = 1; i <= hashCounts[block]; i++) {
            long bit = BloomBits.probe(hash, i, numBits);
            long word = bits.getLong(offsets[block] + (int) (bit >>> 6) * 8);
            if ((word & (1L << (bit & 63))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** 64-bit hash of a (lowercase) token: FNV-1a over UTF-16 units, finished with a MurmurHash3 mix. */
    public static long hash(String token) {
        return finish(fnv(FNV_OFFSET, token));
    }

    /**
     * {@link #hash} of the lowercased token {@code text[start, end)}, without allocating when the
     * token is ASCII (the common case when building filters). Non-ASCII tokens are lowercased
     * exactly as the query side folds them ({@link Tokenizer#fold}).
     */
    public static long hashToken(String text, int start, int end) {
        long h = FNV_OFFSET;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                return hash(Tokenizer.fold(text, start, end));
            }
            h ^= c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
            h *= FNV_PRIME;
        }
        return finish(h);
    }

    /**
     * Columns whose whole values also go into the filters, so {@code user:u42} or
     * {@code fingerprint:abc} can skip row groups too. Case-sensitive, like the exact match they serve.
     */
    public static final List<String> INDEXED_FIELDS = List.of(PartColumns.SOURCE, PartColumns.USER_ID,
            PartColumns.CONVERSATION_ID, PartColumns.BUILD_ID, PartColumns.DEPLOYMENT_ID,
            PartColumns.TRACE_ID, PartColumns.FINGERPRINT, PartColumns.STATUS);

    /**
     * The indexed fields that also have postings (exact rows per value, in the head and beside
     * parts): the identifiers. {@code source} and {@code status} have a handful of values each, so
     * their lists would hold an entry per event and rarely be the cheapest way to a page; the
     * blooms answer them.
     */
    public static final List<String> POSTED_FIELDS = List.of(PartColumns.USER_ID, PartColumns.CONVERSATION_ID,
            PartColumns.BUILD_ID, PartColumns.DEPLOYMENT_ID, PartColumns.TRACE_ID, PartColumns.FINGERPRINT);

    /** Hash of an indexed field's whole value; never equal to a token's hash in practice (NUL-separated). */
    public static long fieldHash(String column, String value) {
        return finish(fnv(fnv(fieldPrefixState(column), "\u0000"), value));
    }

    /** The FNV state after {@code "\0" + column}: what {@link #fieldHash} continues from. */
    static long fieldPrefixState(String column) {
        return fnv(fnv(FNV_OFFSET, "\u0000"), column);
    }

    /** {@link #fieldHash} from a state made by {@link #fieldPrefixState}, without building a string. */
    static long fieldHashFrom(long prefixState, String value) {
        return finish(fnv(fnv(prefixState, "\u0000"), value));
    }

    private static long fnv(long h, String text) {
        for (int i = 0; i < text.length(); i++) {
            h ^= text.charAt(i);
            h *= FNV_PRIME;
        }
        return h;
    }

    static final long FNV_OFFSET = 0xcbf29ce484222325L;
    static final long FNV_PRIME = 0x100000001b3L;

    static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * Whether the mapped bytes still match the file's CRC32C (the mapping shows what is on disk
     * now): checked before a merge copies the blocks and by scrubs.
     */
    public boolean isStillWhole() {
        return SidecarFiles.crcMatches(bits);
    }

    /** Maps a bloom file; null when it is missing, truncated or fails its checksum. */
    public static TokenBloom open(Path file) {
        ByteBuffer map = SidecarFiles.map(file, HEADER + 4);
        try {
            return map == null ? null : parse(map);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static TokenBloom parse(ByteBuffer map) {
        int size = map.limit();
        if (!SidecarFiles.crcMatches(map)) {
            return null;
        }
        boolean current = hasMagic(map, MAGIC);
        if (!current && !hasMagic(map, MAGIC_BEFORE_FOLDING)) {
            return null;
        }
        int blocks = map.getInt(MAGIC.length);
        long[] firstRows = new long[blocks];
        int[] rowCounts = new int[blocks];
        int[] hashCounts = new int[blocks];
        int[] wordCounts = new int[blocks];
        int[] offsets = new int[blocks];
        int position = HEADER;
        for (int b = 0; b < blocks; b++) {
            if (position + BLOCK_HEADER > size - 4) {
                return null;
            }
            firstRows[b] = map.getLong(position);
            rowCounts[b] = map.getInt(position + 8);
            hashCounts[b] = map.getInt(position + 12);
            wordCounts[b] = map.getInt(position + 16);
            offsets[b] = position + BLOCK_HEADER;
            position = offsets[b] + wordCounts[b] * 8;
            if (position > size - 4 || wordCounts[b] <= 0) {
                return null;
            }
        }
        return new TokenBloom(map, firstRows, rowCounts, hashCounts, wordCounts, offsets, current);
    }

    private static boolean hasMagic(ByteBuffer map, byte[] magic) {
        for (int i = 0; i < magic.length; i++) {
            if (map.get(i) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
