package io.larch.parquet;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes one column chunk of a row group the way {@link ParquetChunkDecoder} and DuckDB read
 * it: data pages v1 (levels as RLE / bit-packed hybrid, then values), values PLAIN or, when
 * they repeat enough, a dictionary page and dictionary indices; every page compressed with zstd.
 * Not thread-safe: a writer owns one.
 */
public final class ParquetChunkEncoder implements AutoCloseable {
    static final int PLAIN = 0;
    static final int RLE = 3;
    static final int RLE_DICTIONARY = 8;
    private static final int DATA_PAGE = 0;
    private static final int DICTIONARY_PAGE = 2;
    /**
     * A data page is closed after about this many bytes of values (uncompressed). One page per
     * chunk for ordinary events (~600 KB of messages per 8192 rows, as DuckDB writes them); the
     * bound keeps a row group of very large events from making one huge page.
     */
    public static final int PAGE_VALUE_BYTES = 1 << 20;
    /**
     * A page of a flat column with plain values is also closed after this many rows once it holds
     * {@link #SPLIT_VALUE_BYTES}: reading one row (a user's event the postings point at) then
     * decompresses one page of the message column, ~1/8 of it, not all of it. Small columns (ids,
     * times) stay one page.
     */
    public static final int PAGE_ROWS = 1024;
    static final int SPLIT_VALUE_BYTES = 16 * 1024;
    /** String statistics longer than this are left out (a footer holding whole messages helps no filter). */
    private static final int MAX_STAT_BYTES = 64;

    private final ZstdCompressCtx zstd = new ZstdCompressCtx();
    /** Every present value of the chunk, PLAIN-encoded; {@link #valueStarts} says where each begins. */
    private final ByteSink plain = new ByteSink(1 << 16);
    /** A dictionary page's entries, or a data page's dictionary indices. */
    private final ByteSink values = new ByteSink(1 << 16);
    private final ByteSink page = new ByteSink(1 << 16);
    private byte[] compressed = new byte[1 << 16];
    private int[] valueStarts = new int[1024];
    private int[] indices = new int[1024];
    /** Dictionary entries: the value number of each entry's first occurrence. */
    private int[] entries = new int[1024];
    private int entryCount;
    private final LongIntMap longDictionary = new LongIntMap();
    /** Open-addressing table over {@link #entries} for byte strings: entry number + 1, 0 empty. */
    private int[] table = new int[1024];

    ParquetChunkEncoder(int zstdLevel) {
        zstd.setLevel(zstdLevel);
        // The frame checksum (XXH64 of the page) makes a flipped bit in a stored page fail its
        // decompression, in DuckDB and in the point reader alike, instead of decoding to other text.
        zstd.setChecksum(true);
    }

    /**
     * What a chunk's ColumnMetaData says about it. {@code dictionaryPageOffset} is -1 without a
     * dictionary; {@code min}/{@code max} are null when not written.
     */
    record ChunkMeta(ParquetLeaf leaf, List<Integer> encodings, long values, long uncompressedSize, long compressedSize,
                     long dataPageOffset, long dictionaryPageOffset, long nullCount, byte[] min, byte[] max) {
    }

    /** Appends {@code leaf}'s chunk to {@code out}; {@code fileOffset} is where {@code out}'s first byte lies in the file. */
    ChunkMeta encode(ParquetLeaf leaf, ByteSink out, long fileOffset) {
        long start = fileOffset + out.size();
        long[] sizes = new long[2];
        encodePlain(leaf);
        boolean dictionary = leaf.tryDictionary && leaf.present > 0
                && (leaf.isString() ? buildStringDictionary(leaf.present) : buildLongDictionary(leaf));
        byte[][] minMax = new byte[2][];
        long dictionaryOffset = -1;
        if (dictionary) {
            dictionaryOffset = start;
            writeDictionaryPage(out, sizes);
            minMax(entries, entryCount, leaf, minMax);
        } else {
            minMax(null, leaf.present, leaf, minMax);
        }
        long dataOffset = fileOffset + out.size();
        int bitWidth = bitWidth(entryCount - 1);
        int pageStart = 0;
        int valueStart = 0;
        int value = 0;
        for (int slot = 0; slot < leaf.slots; slot++) {
            if (leaf.definition[slot] == leaf.maxDefinition) {
                value++;
            }
            boolean last = slot + 1 == leaf.slots;
            boolean rowStarts = !last && (leaf.maxRepetition == 0 || leaf.repetition[slot + 1] == 0);
            int pageBytes = valueStarts[value] - valueStarts[valueStart];
            boolean pageFull = pageBytes >= PAGE_VALUE_BYTES
                    || leaf.maxRepetition == 0 && slot + 1 - pageStart >= PAGE_ROWS && pageBytes >= SPLIT_VALUE_BYTES;
            if (last || (rowStarts && !dictionary && pageFull)) {
                if (dictionary) {
                    values.reset();
                    values.write(bitWidth);
                    hybrid(indices, valueStart, value, bitWidth, values);
                    writeDataPage(leaf, pageStart, slot + 1, true, values.array(), 0, values.size(), out, sizes);
                } else {
                    writeDataPage(leaf, pageStart, slot + 1, false, plain.array(), valueStarts[valueStart],
                            valueStarts[value] - valueStarts[valueStart], out, sizes);
                }
                pageStart = slot + 1;
                valueStart = value;
            }
        }
        List<Integer> encodings = dictionary ? List.of(PLAIN, RLE, RLE_DICTIONARY) : List.of(PLAIN, RLE);
        return new ChunkMeta(leaf, encodings, leaf.slots, sizes[0], sizes[1], dataOffset, dictionaryOffset,
                leaf.slots - leaf.present, minMax[0], minMax[1]);
    }

    /** The present values PLAIN-encoded into {@link #plain}; value i at {@code valueStarts[i]}, the end at {@code [present]}. */
    private void encodePlain(ParquetLeaf leaf) {
        plain.reset();
        if (valueStarts.length <= leaf.present) {
            valueStarts = new int[Math.max(leaf.present + 1, valueStarts.length * 2)];
        }
        for (int i = 0; i < leaf.present; i++) {
            valueStarts[i] = plain.size();
            if (leaf.isString()) {
                byte[] bytes = leaf.strings[i].getBytes(StandardCharsets.UTF_8);
                plain.intLE(bytes.length);
                plain.write(bytes, 0, bytes.length);
            } else if (leaf.physicalType == ParquetFooter.INT32) {
                plain.intLE((int) leaf.longs[i]);
            } else {
                plain.longLE(leaf.longs[i]);
            }
        }
        valueStarts[leaf.present] = plain.size();
    }

    /** Values looked at before a column whose values are mostly distinct is given up on. */
    private static final int DICTIONARY_PROBE = 1024;

    /**
     * Whether a dictionary is given up: when the distinct values are more than half of all, it
     * would not pay for itself; a column of mostly distinct values (user ids, trace ids) shows it
     * within the first {@link #DICTIONARY_PROBE} values, so those are not hashed to the end.
     */
    private static boolean mostlyDistinct(int distinct, int seen, int present) {
        return distinct > Math.max(1, present / 2) || (seen == DICTIONARY_PROBE && distinct * 2 > seen);
    }

    /**
     * Numbers the distinct PLAIN-encoded values (length prefix and bytes, compared as bytes: no
     * Java string is hashed) in order of appearance into {@link #indices}; false when
     * {@link #mostlyDistinct}.
     */
    private boolean buildStringDictionary(int present) {
        ensureDictionaryCapacity(present);
        int tableSize = Integer.highestOneBit(Math.max(16, present) * 2 - 1) * 2;
        if (table.length < tableSize) {
            table = new int[tableSize];
        } else {
            Arrays.fill(table, 0, tableSize, 0);
        }
        int mask = tableSize - 1;
        byte[] bytes = plain.array();
        entryCount = 0;
        for (int i = 0; i < present; i++) {
            int from = valueStarts[i];
            int to = valueStarts[i + 1];
            int at = hash(bytes, from, to) & mask;
            int entry;
            while (true) {
                int slot = table[at];
                if (slot == 0) {
                    entries[entryCount] = i;
                    entry = entryCount++;
                    table[at] = entryCount;
                    break;
                }
                int first = entries[slot - 1];
                if (Arrays.equals(bytes, from, to, bytes, valueStarts[first], valueStarts[first + 1])) {
                    entry = slot - 1;
                    break;
                }
                at = (at + 1) & mask;
            }
            indices[i] = entry;
            if (mostlyDistinct(entryCount, i + 1, present)) {
                return false;
            }
        }
        return true;
    }

    private boolean buildLongDictionary(ParquetLeaf leaf) {
        ensureDictionaryCapacity(leaf.present);
        longDictionary.clear();
        entryCount = 0;
        for (int i = 0; i < leaf.present; i++) {
            int entry = longDictionary.indexOf(leaf.longs[i]);
            if (entry == entryCount) {
                entries[entryCount++] = i;
            }
            indices[i] = entry;
            if (mostlyDistinct(entryCount, i + 1, leaf.present)) {
                return false;
            }
        }
        return true;
    }

    private void ensureDictionaryCapacity(int present) {
        if (indices.length < present) {
            indices = new int[Math.max(present, indices.length * 2)];
            entries = new int[indices.length];
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** A hash of bytes[from, to), eight bytes at a time. */
    private static int hash(byte[] bytes, int from, int to) {
        long h = to - from;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            h = Long.rotateLeft((h ^ (long) LONGS.get(bytes, i)) * 0x9E3779B97F4A7C15L, 31);
        }
        for (; i < to; i++) {
            h = (h ^ bytes[i]) * 0x9E3779B97F4A7C15L;
        }
        h ^= h >>> 29;
        return (int) (h ^ (h >>> 32));
    }

    /** The dictionary entries, PLAIN-encoded, as one page: copied from {@link #plain}. */
    private void writeDictionaryPage(ByteSink out, long[] sizes) {
        values.reset();
        byte[] bytes = plain.array();
        for (int e = 0; e < entryCount; e++) {
            int value = entries[e];
            values.write(bytes, valueStarts[value], valueStarts[value + 1] - valueStarts[value]);
        }
        int compressedSize = compress(values);
        ThriftCompactWriter header = new ThriftCompactWriter();
        header.beginStruct();
        pageHeaderStart(header, DICTIONARY_PAGE, values.size(), compressedSize);
        header.fieldHeader(7, ThriftCompact.STRUCT);
        header.beginStruct();
        header.i32Field(1, entryCount);
        header.i32Field(2, PLAIN);
        header.endStruct();
        header.endStruct();
        appendPage(header.toByteArray(), values.size(), compressedSize, out, sizes);
    }

    /** Levels of slots [from, to) and their encoded values ({@code valueBytes[offset, offset + length)}) as one compressed page. */
    private void writeDataPage(ParquetLeaf leaf, int from, int to, boolean dictionary, byte[] valueBytes, int offset,
                               int length, ByteSink out, long[] sizes) {
        page.reset();
        if (leaf.maxRepetition > 0) {
            levels(leaf.repetition, from, to, leaf.maxRepetition);
        }
        if (leaf.maxDefinition > 0) {
            levels(leaf.definition, from, to, leaf.maxDefinition);
        }
        page.write(valueBytes, offset, length);
        int compressedSize = compress(page);
        ThriftCompactWriter header = new ThriftCompactWriter();
        header.beginStruct();
        pageHeaderStart(header, DATA_PAGE, page.size(), compressedSize);
        header.fieldHeader(5, ThriftCompact.STRUCT);
        header.beginStruct();
        header.i32Field(1, to - from);
        header.i32Field(2, dictionary ? RLE_DICTIONARY : PLAIN);
        header.i32Field(3, RLE);
        header.i32Field(4, RLE);
        header.endStruct();
        header.endStruct();
        appendPage(header.toByteArray(), page.size(), compressedSize, out, sizes);
    }

    private static void pageHeaderStart(ThriftCompactWriter header, int type, int uncompressedSize, int compressedSize) {
        header.i32Field(1, type);
        header.i32Field(2, uncompressedSize);
        header.i32Field(3, compressedSize);
    }

    private void appendPage(byte[] header, int uncompressedSize, int compressedSize, ByteSink out, long[] sizes) {
        out.write(header, 0, header.length);
        out.write(compressed, 0, compressedSize);
        sizes[0] += header.length + uncompressedSize;
        sizes[1] += header.length + compressedSize;
    }

    /** Compresses {@code source} into {@link #compressed}; returns the compressed length. */
    private int compress(ByteSink source) {
        int bound = (int) Zstd.compressBound(source.size());
        if (compressed.length < bound) {
            compressed = new byte[Math.max(bound, compressed.length * 2)];
        }
        return zstd.compressByteArray(compressed, 0, compressed.length, source.array(), 0, source.size());
    }

    /** A v1 page's levels: their byte length, then the hybrid encoding. */
    private void levels(int[] levels, int from, int to, int maxLevel) {
        int lengthAt = page.size();
        page.intLE(0);
        hybrid(levels, from, to, bitWidth(maxLevel), page);
        page.putIntLE(lengthAt, page.size() - lengthAt - 4);
    }

    /**
     * The smallest and largest of the values numbered {@code which[0..count)} (all values when
     * {@code which} is null), as PLAIN bytes without a length prefix: numbers as signed integers,
     * strings as unsigned bytes (UTF-8's order of code points). Strings longer than
     * {@link #MAX_STAT_BYTES} leave both out.
     */
    private void minMax(int[] which, int count, ParquetLeaf leaf, byte[][] minMax) {
        if (count == 0) {
            return;
        }
        byte[] bytes = plain.array();
        if (!leaf.isString()) {
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (int k = 0; k < count; k++) {
                long value = leaf.longs[which == null ? k : which[k]];
                min = Math.min(min, value);
                max = Math.max(max, value);
            }
            int width = leaf.physicalType == ParquetFooter.INT32 ? 4 : 8;
            minMax[0] = Arrays.copyOf(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, min).array(), width);
            minMax[1] = Arrays.copyOf(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, max).array(), width);
            return;
        }
        int minValue = -1;
        int maxValue = -1;
        for (int k = 0; k < count; k++) {
            int value = which == null ? k : which[k];
            int from = valueStarts[value] + 4;
            int to = valueStarts[value + 1];
            if (to - from > MAX_STAT_BYTES) {
                return;
            }
            if (minValue < 0 || Arrays.compareUnsigned(bytes, from, to, bytes, valueStarts[minValue] + 4, valueStarts[minValue + 1]) < 0) {
                minValue = value;
            }
            if (maxValue < 0 || Arrays.compareUnsigned(bytes, from, to, bytes, valueStarts[maxValue] + 4, valueStarts[maxValue + 1]) > 0) {
                maxValue = value;
            }
        }
        minMax[0] = Arrays.copyOfRange(bytes, valueStarts[minValue] + 4, valueStarts[minValue + 1]);
        minMax[1] = Arrays.copyOfRange(bytes, valueStarts[maxValue] + 4, valueStarts[maxValue + 1]);
    }

    static int bitWidth(int maxValue) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(maxValue));
    }

    /**
     * Parquet's RLE / bit-packed hybrid: runs of 8 or more equal values as one RLE run, the rest
     * bit-packed in groups of 8. A bit-packed stretch before a run is completed to a multiple of 8
     * with the run's first values, because only the last group may be padded.
     */
    static void hybrid(int[] levels, int from, int to, int bitWidth, ByteSink out) {
        int byteWidth = (bitWidth + 7) / 8;
        int literalStart = from;
        int i = from;
        while (i < to) {
            int value = levels[i];
            int run = 1;
            while (i + run < to && levels[i + run] == value) {
                run++;
            }
            int pad = (8 - (i - literalStart) % 8) % 8;
            if (run >= pad + 8) {
                if (i + pad > literalStart) {
                    bitPack(levels, literalStart, i + pad, bitWidth, out);
                }
                out.varint((long) (run - pad) << 1);
                for (int b = 0; b < byteWidth; b++) {
                    out.write(value >>> (8 * b));
                }
                literalStart = i + run;
            }
            i += run;
        }
        if (literalStart < to) {
            bitPack(levels, literalStart, to, bitWidth, out);
        }
    }

    /** Values [from, to) bit-packed, least significant bit first, the last group padded with zeros. */
    private static void bitPack(int[] levels, int from, int to, int bitWidth, ByteSink out) {
        int groups = (to - from + 7) / 8;
        out.varint(((long) groups << 1) | 1);
        long buffer = 0;
        int bits = 0;
        for (int k = 0; k < groups * 8; k++) {
            long value = from + k < to ? levels[from + k] & 0xFFFFFFFFL : 0;
            buffer |= value << bits;
            bits += bitWidth;
            while (bits >= 8) {
                out.write((int) buffer);
                buffer >>>= 8;
                bits -= 8;
            }
        }
    }

    @Override
    public void close() {
        zstd.close();
    }

    /** Distinct longs numbered in order of appearance: open addressing, no boxing. */
    private static final class LongIntMap {
        private long[] keys = new long[64];
        private int[] slots = new int[64];
        private long[] ordered = new long[32];
        private int size;

        int size() {
            return size;
        }

        void clear() {
            Arrays.fill(slots, 0);
            size = 0;
        }

        /** The value's number, numbering it if new. */
        int indexOf(long key) {
            if (size * 2 >= slots.length) {
                grow();
            }
            int mask = slots.length - 1;
            int at = Long.hashCode(key * 0x9E3779B97F4A7C15L) & mask;
            while (slots[at] != 0) {
                if (keys[at] == key) {
                    return slots[at] - 1;
                }
                at = (at + 1) & mask;
            }
            keys[at] = key;
            slots[at] = ++size;
            if (size > ordered.length) {
                ordered = Arrays.copyOf(ordered, ordered.length * 2);
            }
            ordered[size - 1] = key;
            return size - 1;
        }

        private void grow() {
            keys = new long[slots.length * 2];
            slots = new int[slots.length * 2];
            int mask = slots.length - 1;
            for (int i = 0; i < size; i++) {
                int at = Long.hashCode(ordered[i] * 0x9E3779B97F4A7C15L) & mask;
                while (slots[at] != 0) {
                    at = (at + 1) & mask;
                }
                keys[at] = ordered[i];
                slots[at] = i + 1;
            }
        }
    }
}
