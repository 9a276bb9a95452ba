package io.larch.parquet;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes one Parquet column chunk into {@link ColumnValues}: the pages DuckDB writes for Larch's
 * parts (data pages v1 or v2, PLAIN or dictionary encoded INT32, INT64 and BYTE_ARRAY values,
 * zstd or uncompressed). Anything else is an {@link IOException}, and the caller reads the part
 * through DuckDB instead.
 */
public final class ParquetChunkDecoder {
    private static final int DATA_PAGE = 0;
    private static final int DICTIONARY_PAGE = 2;
    private static final int DATA_PAGE_V2 = 3;
    private static final int PLAIN = 0;
    private static final int PLAIN_DICTIONARY = 2;
    private static final int RLE_DICTIONARY = 8;

    /** A decompression context per thread: creating one per page cost as much as decompressing it. */
    private static final ThreadLocal<ZstdDecompressCtx> ZSTD = ThreadLocal.withInitial(ZstdDecompressCtx::new);

    private ParquetChunkDecoder() {
    }

    /**
     * The levels and values of a chunk. Levels are per value slot ({@code count} of them; null
     * when the column has no such level). Values are per present slot (definition level at its
     * maximum), in slot order: {@code longs} for INT64/INT32, or byte ranges of {@code buffers}.
     */
    public record ColumnValues(int count, int firstDecodedSlot, int validFrom, int decodedSlots, int[] repetition, int[] definition,
                        int maxDefinition, int present, long[] longs, byte[][] buffers, int[] offsets, int[] lengths,
                        int[] dictionaryIndex, int dictionarySize) {
        /**
         * The value index of a slot, or -1 when the slot is null (its definition level is below the
         * maximum). Only slots in {@code [validFrom, decodedSlots)} have values; value indices
         * count from {@code firstDecodedSlot}, the first slot of the first page decoded.
         */
        public int valueIndex(int slot, int[] valueIndexOfSlot) {
            return valueIndexOfSlot == null ? slot - firstDecodedSlot : valueIndexOfSlot[slot];
        }

        /** Whether slots {@code [from, to]} have their values. */
        public boolean covers(int from, int to) {
            return from >= validFrom && (to < decodedSlots || decodedSlots == count);
        }

        /** Per slot, its value index or -1; null when every slot has a value. */
        public int[] valueIndexOfSlots(DecodeArrays arrays) {
            if (definition == null) {
                return null;
            }
            int[] index = arrays.ints(count);
            int next = 0;
            // Slots before the first decoded page are never asked for (see covers).
            for (int i = firstDecodedSlot; i < decodedSlots; i++) {
                index[i] = definition[i] == maxDefinition ? next++ : -1;
            }
            return index;
        }
    }

    /**
     * Decodes the chunk's levels and values; values only of the slots below {@code slotLimit}
     * (pages wholly past it are not even decompressed): a single row needs only what precedes it.
     */
    public static ColumnValues decode(byte[] chunk, int offset, int length, ParquetFooter.Leaf leaf, int codec, long valueCount,
                               int slotLimit, DecodeArrays arrays) throws IOException {
        return decode(chunk, offset, length, leaf, codec, valueCount, 0, slotLimit, arrays);
    }

    /**
     * Like {@link #decode(byte[], int, int, ParquetFooter.Leaf, int, long, int, DecodeArrays)},
     * wanting values only from row {@code rowFrom} on. A flat column (where a row is a slot) skips
     * the data pages wholly before it without decompressing them: their slots read as null, and
     * value indices count from the first decoded page ({@link ColumnValues#firstDecodedSlot}). A
     * repeated column decodes its levels from the start (they say where rows begin) but looks up
     * no dictionary entry before the row's first slot. Either way only slots from
     * {@link ColumnValues#validFrom} on have values.
     */
    public static ColumnValues decode(byte[] chunk, int offset, int length, ParquetFooter.Leaf leaf, int codec, long valueCount,
                               int rowFrom, int slotLimit, DecodeArrays arrays) throws IOException {
        boolean maySkip = leaf.maxRepetition() == 0 && rowFrom > 0;
        boolean repeatedFrom = leaf.maxRepetition() > 0 && rowFrom > 0;
        // The first wanted slot: the row's for a flat column; found from the levels for a repeated one.
        int slotFrom = maySkip ? rowFrom : repeatedFrom ? Integer.MAX_VALUE : 0;
        int rowsSeen = 0;
        int firstDecoded = -1;
        if (valueCount < 0 || valueCount > 64 * 1024 * 1024) {
            throw new IOException("column chunk value count out of range: " + valueCount);
        }
        int count = (int) valueCount;
        int[] repetition = leaf.maxRepetition() > 0 ? arrays.ints(count) : null;
        int[] definition = leaf.maxDefinition() > 0 ? arrays.ints(count) : null;
        boolean bytes = leaf.physicalType() == ParquetFooter.BYTE_ARRAY;
        if (!bytes && leaf.physicalType() != ParquetFooter.INT64 && leaf.physicalType() != ParquetFooter.INT32) {
            throw new IOException("unsupported Parquet type " + leaf.physicalType() + " of " + leaf.path());
        }
        long[] longs = bytes ? null : arrays.longs(count);
        byte[][] buffers = bytes ? arrays.refs(count) : null;
        int[] offsets = bytes ? arrays.ints(count) : null;
        int[] lengths = bytes ? arrays.ints(count) : null;
        // Per present value, its dictionary entry (-1 for a plain value); lets callers test each entry once.
        int[] dictionaryIndex = null;
        Dictionary dictionary = null;
        int slot = 0;
        int present = 0;
        int position = offset;
        int end = offset + length;
        while (position < end && slot < count && slot < slotLimit) {
            PageHeader header = PageHeader.read(chunk, position, end - position);
            int body = position + header.headerLength();
            if (body + header.compressedSize() > end) {
                throw new IOException("page of " + leaf.path() + " runs past its column chunk");
            }
            position = body + header.compressedSize();
            if (header.type() == DICTIONARY_PAGE) {
                byte[] page = decompress(chunk, body, header.compressedSize(), header.uncompressedSize(), codec);
                dictionary = Dictionary.plain(page, header.values(), leaf.physicalType());
                continue;
            }
            if (header.type() != DATA_PAGE && header.type() != DATA_PAGE_V2) {
                continue;
            }
            int values = header.values();
            if (values < 0 || slot + values > count) {
                throw new IOException("pages of " + leaf.path() + " hold more values than its chunk");
            }
            if (maySkip && firstDecoded < 0 && slot + values <= slotFrom) {
                if (definition != null) {
                    java.util.Arrays.fill(definition, slot, slot + values, -1);
                }
                slot += values;
                continue;
            }
            if (firstDecoded < 0) {
                firstDecoded = slot;
            }
            byte[] page;
            int cursor;
            int repetitionBytes;
            int definitionBytes;
            if (header.type() == DATA_PAGE) {
                page = decompress(chunk, body, header.compressedSize(), header.uncompressedSize(), codec);
                cursor = 0;
                repetitionBytes = -1;
                definitionBytes = -1;
            } else {
                // v2: levels first, never compressed, then the (maybe compressed) values.
                int levels = header.repetitionBytes() + header.definitionBytes();
                byte[] valuesPart = header.compressed()
                        ? decompress(chunk, body + levels, header.compressedSize() - levels, header.uncompressedSize() - levels, codec)
                        : java.util.Arrays.copyOfRange(chunk, body + levels, body + header.compressedSize());
                page = new byte[levels + valuesPart.length];
                System.arraycopy(chunk, body, page, 0, levels);
                System.arraycopy(valuesPart, 0, page, levels, valuesPart.length);
                cursor = 0;
                repetitionBytes = header.repetitionBytes();
                definitionBytes = header.definitionBytes();
            }
            if (repetition != null) {
                cursor = levels(page, cursor, repetitionBytes, leaf.maxRepetition(), repetition, slot, values);
                if (repeatedFrom && slotFrom == Integer.MAX_VALUE) {
                    for (int i = slot; i < slot + values; i++) {
                        if (repetition[i] == 0 && rowsSeen++ == rowFrom) {
                            slotFrom = i;
                            break;
                        }
                    }
                }
            }
            // Values are decoded only for slots below the limit.
            int neededSlots = Math.min(values, slotLimit - slot);
            int pagePresent = neededSlots;
            if (definition != null) {
                cursor = levels(page, cursor, definitionBytes, leaf.maxDefinition(), definition, slot, values);
                pagePresent = 0;
                for (int i = slot; i < slot + neededSlots; i++) {
                    if (definition[i] == leaf.maxDefinition()) {
                        pagePresent++;
                    }
                }
            }
            if (header.encoding() == PLAIN) {
                plain(page, cursor, pagePresent, leaf.physicalType(), present, longs, buffers, offsets, lengths);
                if (dictionaryIndex != null) {
                    java.util.Arrays.fill(dictionaryIndex, present, present + pagePresent, -1);
                }
            } else if (header.encoding() == PLAIN_DICTIONARY || header.encoding() == RLE_DICTIONARY) {
                if (dictionary == null) {
                    throw new IOException("dictionary-encoded page of " + leaf.path() + " without a dictionary");
                }
                if (cursor >= page.length && pagePresent > 0) {
                    throw new IOException("dictionary page of " + leaf.path() + " ends early");
                }
                int[] indices = arrays.ints(pagePresent);
                if (pagePresent > 0) {
                    int bitWidth = page[cursor] & 0xFF;
                    hybrid(page, cursor + 1, page.length, bitWidth, indices, 0, pagePresent);
                }
                if (dictionaryIndex == null) {
                    dictionaryIndex = arrays.ints(count);
                    java.util.Arrays.fill(dictionaryIndex, 0, present, -1);
                }
                // Values before slotFrom are not wanted: their entries are not looked up (a row
                // read alone costs its page's indices, not a copy of every value).
                int skip = maySkip || repeatedFrom
                        ? presentBefore(definition, leaf.maxDefinition(), slot, Math.min(slotFrom, slot + values), pagePresent) : 0;
                if (skip > 0 && buffers != null) {
                    java.util.Arrays.fill(buffers, present, present + skip, NOT_DECODED);
                }
                for (int i = skip; i < pagePresent; i++) {
                    dictionary.copy(indices[i], present + i, longs, buffers, offsets, lengths);
                }
                System.arraycopy(indices, 0, dictionaryIndex, present, pagePresent);
            } else {
                throw new IOException("unsupported Parquet encoding " + header.encoding() + " of " + leaf.path());
            }
            slot += values;
            present += pagePresent;
        }
        if (slot != count && slot < slotLimit) {
            throw new IOException("column chunk of " + leaf.path() + " holds " + slot + " of " + count + " values");
        }
        // A skipped page's slots read as nulls in the definition levels; a required column's value
        // index is its slot less the skipped slots.
        int first = Math.max(0, firstDecoded);
        int validFrom = maySkip || repeatedFrom ? Math.max(first, Math.min(slotFrom, count)) : first;
        return new ColumnValues(count, first, validFrom, Math.min(slot, slotLimit), repetition,
                definition, leaf.maxDefinition(), present, longs, buffers, offsets, lengths, dictionaryIndex,
                dictionary == null ? 0 : dictionary.size());
    }

    /** What skipped values' buffers point at: a decoded value is never this array. */
    private static final byte[] NOT_DECODED = new byte[0];

    /** How many of a page's first {@code pagePresent} values lie in slots before {@code slotFrom} (the page starts at {@code slot}). */
    private static int presentBefore(int[] definition, int maxDefinition, int slot, int slotFrom, int pagePresent) {
        if (slotFrom <= slot) {
            return 0;
        }
        if (definition == null) {
            return Math.min(pagePresent, slotFrom - slot);
        }
        int before = 0;
        for (int i = slot; i < slotFrom && before < pagePresent; i++) {
            if (definition[i] == maxDefinition) {
                before++;
            }
        }
        return before;
    }

    /** Reads {@code count} levels at {@code cursor}; v1 pages prefix them with a length ({@code byteLength} -1). */
    private static int levels(byte[] page, int cursor, int byteLength, int maxLevel, int[] into, int at, int count)
            throws IOException {
        int length = byteLength;
        if (length < 0) {
            if (cursor + 4 > page.length) {
                throw new IOException("page ends inside its levels");
            }
            length = ByteBuffer.wrap(page, cursor, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            cursor += 4;
        }
        if (length < 0 || cursor + length > page.length) {
            throw new IOException("page levels run past the page");
        }
        hybrid(page, cursor, cursor + length, 32 - Integer.numberOfLeadingZeros(maxLevel), into, at, count);
        return cursor + length;
    }

    /** Parquet's RLE / bit-packed hybrid encoding: {@code count} values into {@code into[at..]}. */
    static void hybrid(byte[] bytes, int position, int end, int bitWidth, int[] into, int at, int count) throws IOException {
        if (bitWidth < 0 || bitWidth > 32) {
            throw new IOException("bit width out of range: " + bitWidth);
        }
        int done = 0;
        int byteWidth = (bitWidth + 7) / 8;
        while (done < count) {
            long header = 0;
            for (int shift = 0; ; shift += 7) {
                if (position >= end || shift > 35) {
                    throw new IOException("run header runs past its data");
                }
                byte b = bytes[position++];
                header |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    break;
                }
            }
            if ((header & 1) == 0) {
                int run = (int) (header >>> 1);
                if (position + byteWidth > end) {
                    throw new IOException("run value runs past its data");
                }
                int value = 0;
                for (int i = 0; i < byteWidth; i++) {
                    value |= (bytes[position++] & 0xFF) << (8 * i);
                }
                int n = Math.min(run, count - done);
                java.util.Arrays.fill(into, at + done, at + done + n, value);
                done += n;
            } else {
                long groups = header >>> 1;
                int n = (int) Math.min(groups * 8, count - done);
                if ((long) position * 8 + (long) n * bitWidth > (long) end * 8) {
                    throw new IOException("bit-packed run runs past its data");
                }
                long mask = (1L << bitWidth) - 1;
                long buffer = 0;
                int bits = 0;
                int read = position;
                for (int i = 0; i < n; i++) {
                    while (bits < bitWidth) {
                        buffer |= (long) (bytes[read++] & 0xFF) << bits;
                        bits += 8;
                    }
                    into[at + done + i] = (int) (buffer & mask);
                    buffer >>>= bitWidth;
                    bits -= bitWidth;
                }
                position += (int) Math.min(end - position, (groups * 8 * bitWidth + 7) / 8);
                done += n;
            }
        }
    }

    private static void plain(byte[] page, int cursor, int present, int type, int at, long[] longs, byte[][] buffers,
                              int[] offsets, int[] lengths) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < present; i++) {
            switch (type) {
                case ParquetFooter.INT64 -> {
                    if (cursor + 8 > page.length) {
                        throw new IOException("plain values run past the page");
                    }
                    longs[at + i] = buffer.getLong(cursor);
                    cursor += 8;
                }
                case ParquetFooter.INT32 -> {
                    if (cursor + 4 > page.length) {
                        throw new IOException("plain values run past the page");
                    }
                    longs[at + i] = buffer.getInt(cursor);
                    cursor += 4;
                }
                default -> {
                    if (cursor + 4 > page.length) {
                        throw new IOException("plain values run past the page");
                    }
                    int length = buffer.getInt(cursor);
                    cursor += 4;
                    if (length < 0 || cursor + length > page.length) {
                        throw new IOException("plain byte array runs past the page");
                    }
                    buffers[at + i] = page;
                    offsets[at + i] = cursor;
                    lengths[at + i] = length;
                    cursor += length;
                }
            }
        }
    }

    private static byte[] decompress(byte[] chunk, int offset, int length, int uncompressedSize, int codec) throws IOException {
        if (uncompressedSize < 0 || uncompressedSize > 256 * 1024 * 1024) {
            throw new IOException("page size out of range: " + uncompressedSize);
        }
        if (codec == ParquetFooter.CODEC_UNCOMPRESSED) {
            if (length != uncompressedSize) {
                throw new IOException("uncompressed page sizes disagree");
            }
            return java.util.Arrays.copyOfRange(chunk, offset, offset + length);
        }
        if (codec != ParquetFooter.CODEC_ZSTD) {
            throw new IOException("unsupported Parquet codec " + codec);
        }
        byte[] page = new byte[uncompressedSize];
        int written;
        try {
            written = ZSTD.get().decompressByteArray(page, 0, uncompressedSize, chunk, offset, length);
        } catch (ZstdException e) {
            throw new IOException("zstd page does not decompress: " + e.getMessage(), e);
        }
        if (written != uncompressedSize) {
            throw new IOException("zstd page decompresses to " + written + " bytes, its header says " + uncompressedSize);
        }
        return page;
    }

    /** A dictionary page's values. */
    private record Dictionary(long[] longs, byte[] page, int[] offsets, int[] lengths) {
        static Dictionary plain(byte[] page, int count, int type) throws IOException {
            if (count < 0) {
                throw new IOException("negative dictionary size");
            }
            boolean bytes = type == ParquetFooter.BYTE_ARRAY;
            long[] longs = bytes ? null : new long[count];
            byte[][] buffers = bytes ? new byte[count][] : null;
            int[] offsets = bytes ? new int[count] : null;
            int[] lengths = bytes ? new int[count] : null;
            ParquetChunkDecoder.plain(page, 0, count, type, 0, longs, buffers, offsets, lengths);
            return new Dictionary(longs, page, offsets, lengths);
        }

        int size() {
            return longs != null ? longs.length : offsets.length;
        }

        void copy(int index, int at, long[] longs, byte[][] buffers, int[] offsets, int[] lengths) throws IOException {
            int size = size();
            if (index < 0 || index >= size) {
                throw new IOException("dictionary index " + index + " out of range");
            }
            if (this.longs != null) {
                longs[at] = this.longs[index];
            } else {
                buffers[at] = page;
                offsets[at] = this.offsets[index];
                lengths[at] = this.lengths[index];
            }
        }
    }

    /** The fields of a page header Larch uses. */
    private record PageHeader(int type, int uncompressedSize, int compressedSize, int values, int encoding,
                              int repetitionBytes, int definitionBytes, boolean compressed, int headerLength) {
        static PageHeader read(byte[] bytes, int offset, int length) throws IOException {
            ThriftCompact in = new ThriftCompact(bytes, offset, length);
            int type = -1;
            int uncompressed = -1;
            int compressed = -1;
            int[] page = {-1, -1, 0, 0, 1};
            in.beginStruct();
            for (int field; (field = in.nextField()) >= 0; ) {
                switch (field) {
                    case 1 -> type = in.readI32();
                    case 2 -> uncompressed = in.readI32();
                    case 3 -> compressed = in.readI32();
                    case 5, 7, 8 -> {
                        if (in.fieldType() != ThriftCompact.STRUCT) {
                            throw new IOException("page header field " + field + " is not a struct");
                        }
                        pageDetails(in, field, page);
                    }
                    default -> in.skipField();
                }
            }
            if (type < 0 || uncompressed < 0 || compressed < 0) {
                throw new IOException("page header lacks its type or sizes");
            }
            return new PageHeader(type, uncompressed, compressed, page[0], page[1], page[2], page[3], page[4] != 0,
                    in.position() - offset);
        }

        /** Fills {values, encoding, repetition bytes, definition bytes, compressed} from a data, dictionary or v2 header. */
        private static void pageDetails(ThriftCompact in, int kind, int[] page) throws IOException {
            in.beginStruct();
            for (int field; (field = in.nextField()) >= 0; ) {
                if (field == 1) {
                    page[0] = in.readI32();
                } else if (kind != 8 && field == 2) {
                    page[1] = in.readI32();
                } else if (kind == 8 && field == 4) {
                    page[1] = in.readI32();
                } else if (kind == 8 && field == 5) {
                    page[3] = in.readI32();
                } else if (kind == 8 && field == 6) {
                    page[2] = in.readI32();
                } else if (kind == 8 && field == 7) {
                    page[4] = in.readBool() ? 1 : 0;
                } else {
                    in.skipField();
                }
            }
        }
    }
}
