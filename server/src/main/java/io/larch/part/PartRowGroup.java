package io.larch.part;

import static io.larch.part.PartColumns.*;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.parquet.DecodeArrays;
import io.larch.parquet.ParquetChunkDecoder;
import io.larch.parquet.ParquetFooter;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row group of a part read by {@link PartPointReader}: its bytes in memory, each column
 * decoded on first use. Not thread-safe; one per search step.
 */
public final class PartRowGroup {
    private static final List<String> TEXT_COLUMNS = List.of(MESSAGE, SOURCE, STACK);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long CASE_BITS = 0x2020202020202020L;

    private final ParquetFooter footer;
    private final ParquetFooter.RowGroup group;
    private final byte[] bytes;
    private final long base;
    private final Map<String, Integer> leafIndex;
    private final ParquetChunkDecoder.ColumnValues[] columns;
    private final int[][] valueIndexOfSlots;
    /** For the attrs columns: the row their decoded values start at (see attrsColumn). */
    private final int[] repeatedFromRow;
    /** For the attrs map: the first slot of each row (rows + 1 entries). */
    private int[] attrsRowStart;
    /** Entries of {@link #attrsRowStart} known, and the next slot to scan for more. */
    private int attrsRowsKnown;
    private int attrsScanSlot;
    private boolean partColumnsChecked;
    /** See {@link #readRowsBetween}. */
    private int rowsFrom;
    private int rowsTo;
    /** Where decoded columns live; null once released. */
    private DecodeArrays arrays = DecodeArrays.take();

    PartRowGroup(ParquetFooter footer, ParquetFooter.RowGroup group, byte[] bytes, long base) throws IOException {
        this.footer = footer;
        this.group = group;
        this.bytes = bytes;
        this.base = base;
        this.leafIndex = footer.leafIndex();
        this.columns = new ParquetChunkDecoder.ColumnValues[footer.columns().size()];
        this.valueIndexOfSlots = new int[columns.length][];
        this.repeatedFromRow = new int[columns.length];
    }

    /** Checks once that the file has the columns of a part, shaped as Larch writes them. */
    private void checkPartColumns() throws IOException {
        if (partColumnsChecked) {
            return;
        }
        for (String column : List.of(ID, TS, RECEIVED_AT, PROJECT_ID, KIND, LEVEL, MESSAGE, SOURCE, STACK, FINGERPRINT,
                USER_ID, CONVERSATION_ID, BUILD_ID, DEPLOYMENT_ID, TRACE_ID, STATUS, ATTRS + ".key_value.key",
                ATTRS + ".key_value.value")) {
            Integer index = leafIndex.get(column);
            if (index == null) {
                throw new IOException("part has no column " + column);
            }
            ParquetFooter.Leaf leaf = footer.columns().get(index);
            if (leaf.maxRepetition() != (column.startsWith(ATTRS + ".") ? 1 : 0)) {
                throw new IOException("column " + column + " is not shaped as Larch writes it");
            }
        }
        partColumnsChecked = true;
    }

    /**
     * Gives the decoding arrays back for the next row group. Events already built stay valid
     * (they hold copies); arrays returned by {@link #timestamps} and the like do not.
     */
    public void release() {
        if (arrays != null) {
            arrays.giveBack();
            arrays = null;
        }
    }

    /** The part row number of this group's first row. */
    public long firstRow() {
        return group.firstRow();
    }

    public int rows() {
        return (int) group.rows();
    }

    /**
     * The rows whose message, source and stack may hold every one of {@code asciiTokens}
     * (lowercase ASCII): each must occur in one of them, ignoring ASCII case. A text with a
     * non-ASCII byte passes (Unicode lowercasing can turn it into ASCII tokens). Plain-encoded
     * text is scanned in one pass over its page; dictionary entries are tested once each.
     */
    public BitSet textCandidates(byte[][] asciiTokens) throws IOException {
        checkPartColumns();
        BitSet all = new BitSet(rows());
        all.set(0, rows());
        for (byte[] token : asciiTokens) {
            BitSet rowsWithToken = new BitSet(rows());
            for (String column : TEXT_COLUMNS) {
                ParquetChunkDecoder.ColumnValues values = column(column);
                candidates(values, valueIndexOfSlots[leafIndex.get(column)], token, rowsWithToken);
            }
            all.and(rowsWithToken);
            if (all.isEmpty()) {
                break;
            }
        }
        return all;
    }

    /** The rows whose {@code column} holds exactly {@code value} (UTF-8). */
    public BitSet valueCandidates(String column, byte[] value) throws IOException {
        checkPartColumns();
        ParquetChunkDecoder.ColumnValues values = typed(column, Integer.MAX_VALUE, true);
        int[] rowOfValue = rowOfValue(values, valueIndexOfSlots[leafIndex.get(column)]);
        byte[] dictionaryVerdicts = values.dictionaryIndex() == null ? null : new byte[values.dictionarySize()];
        BitSet rows = new BitSet(rows());
        for (int v = 0; v < values.present(); v++) {
            int entry = dictionaryVerdicts == null ? -1 : values.dictionaryIndex()[v];
            boolean equal;
            if (entry >= 0 && dictionaryVerdicts[entry] != 0) {
                equal = dictionaryVerdicts[entry] == 2;
            } else {
                equal = Arrays.equals(values.buffers()[v], values.offsets()[v], values.offsets()[v] + values.lengths()[v],
                        value, 0, value.length);
                if (entry >= 0) {
                    dictionaryVerdicts[entry] = equal ? (byte) 2 : (byte) 1;
                }
            }
            if (equal) {
                rows.set(rowOfValue == null ? v : rowOfValue[v]);
            }
        }
        return rows;
    }

    /** Sets the rows of {@code values} that may hold {@code token}. */
    private void candidates(ParquetChunkDecoder.ColumnValues values, int[] valueIndexOfSlots, byte[] token, BitSet rows) {
        int[] rowOfValue = rowOfValue(values, valueIndexOfSlots);
        byte[] dictionaryVerdicts = values.dictionaryIndex() == null ? null : new byte[values.dictionarySize()];
        int value = 0;
        while (value < values.present()) {
            int entry = values.dictionaryIndex() == null ? -1 : values.dictionaryIndex()[value];
            if (entry >= 0) {
                if (dictionaryVerdicts[entry] == 0) {
                    dictionaryVerdicts[entry] = mayContain(values.buffers()[value], values.offsets()[value],
                            values.lengths()[value], token) ? (byte) 2 : (byte) 1;
                }
                if (dictionaryVerdicts[entry] == 2) {
                    rows.set(rowOfValue == null ? value : rowOfValue[value]);
                }
                value++;
                continue;
            }
            // A run of plain values lying back to back in one page (4-byte length, bytes): scan it in one pass.
            int last = value;
            byte[] page = values.buffers()[value];
            while (last + 1 < values.present() && values.buffers()[last + 1] == page
                    && (values.dictionaryIndex() == null || values.dictionaryIndex()[last + 1] < 0)
                    && values.offsets()[last + 1] == values.offsets()[last] + values.lengths()[last] + 4) {
                last++;
            }
            scanRun(values, value, last, token, rowOfValue, rows);
            value = last + 1;
        }
    }

    /**
     * Marks the rows of plain values {@code [first, last]} that may hold {@code token}: one pass
     * over their bytes finds non-ASCII bytes and places where the token starts, each then mapped to
     * its value (a hit in a length prefix, or running past its value's end, does not count).
     */
    private static void scanRun(ParquetChunkDecoder.ColumnValues values, int first, int last, byte[] token,
                                int[] rowOfValue, BitSet rows) {
        byte[] bytes = values.buffers()[first];
        int[] offsets = values.offsets();
        int[] lengths = values.lengths();
        int start = offsets[first];
        int end = offsets[last] + lengths[last];
        int value = first;
        int i = start;
        int hit;
        while ((hit = nextCandidate(bytes, i, end, token[0])) < end) {
            while (value < last && offsets[value] + lengths[value] <= hit) {
                value++;
            }
            int valueEnd = offsets[value] + lengths[value];
            if (hit >= offsets[value] && hit < valueEnd
                    && (bytes[hit] < 0 || matchesAt(bytes, hit, valueEnd, token))) {
                rows.set(rowOfValue == null ? value : rowOfValue[value]);
                // This value is settled; go on at the next one.
                i = valueEnd;
                continue;
            }
            i = hit + 1;
        }
    }

    /** Per present value, its row; null when every row has a value (value index = row). */
    private int[] rowOfValue(ParquetChunkDecoder.ColumnValues values, int[] valueIndexOfSlots) {
        if (valueIndexOfSlots == null) {
            return null;
        }
        int[] rowOf = arrays.ints(values.present());
        for (int row = 0; row < valueIndexOfSlots.length; row++) {
            if (valueIndexOfSlots[row] >= 0) {
                rowOf[valueIndexOfSlots[row]] = row;
            }
        }
        return rowOf;
    }

    /**
     * A text column with each row's value named by a small number: rows with the same number
     * have the same value ({@code -1} for null), {@code values[id]} is that value. Grouping rows by
     * value then needs no string per row.
     */
    public record Interned(int[] ids, String[] values) {
    }

    public Interned interned(String column) throws IOException {
        ParquetChunkDecoder.ColumnValues values = typed(column, Integer.MAX_VALUE, true);
        int[] valueIndex = valueIndexOfSlots[leafIndex.get(column)];
        int[] ids = arrays.ints(rows());
        boolean allFromDictionary = values.dictionaryIndex() != null;
        for (int v = 0; allFromDictionary && v < values.present(); v++) {
            allFromDictionary = values.dictionaryIndex()[v] >= 0;
        }
        if (allFromDictionary) {
            String[] strings = new String[values.dictionarySize()];
            for (int row = 0; row < rows(); row++) {
                int value = values.valueIndex(row, valueIndex);
                ids[row] = value < 0 ? -1 : values.dictionaryIndex()[value];
                if (value >= 0 && strings[ids[row]] == null) {
                    strings[ids[row]] = text(values, value);
                }
            }
            return new Interned(ids, strings);
        }
        Map<String, Integer> seen = new java.util.HashMap<>();
        List<String> strings = new java.util.ArrayList<>();
        for (int row = 0; row < rows(); row++) {
            int value = values.valueIndex(row, valueIndex);
            if (value < 0) {
                ids[row] = -1;
                continue;
            }
            ids[row] = seen.computeIfAbsent(text(values, value), text -> {
                strings.add(text);
                return strings.size() - 1;
            });
        }
        return new Interned(ids, strings.toArray(new String[0]));
    }

    /** Row {@code row} (0-based in this group) as an event. */
    public LogEvent event(int row) throws IOException {
        if (row < 0 || row >= rows()) {
            throw new IOException("row " + row + " is outside the row group");
        }
        checkPartColumns();
        String kind = string(KIND, row);
        return new LogEvent(
                longValue(ID, row),
                longValue(TS, row),
                longValue(RECEIVED_AT, row),
                longValue(PROJECT_ID, row),
                Kind.parse(kind).orElseThrow(() -> new IOException("bad kind in part: " + kind)),
                Level.ofSeverity((int) longValue(LEVEL, row)),
                string(MESSAGE, row),
                string(SOURCE, row),
                string(STACK, row),
                string(FINGERPRINT, row),
                string(USER_ID, row),
                string(CONVERSATION_ID, row),
                string(BUILD_ID, row),
                string(DEPLOYMENT_ID, row),
                string(TRACE_ID, row),
                string(STATUS, row),
                attrs(row));
    }

    /** Every row's event time. */
    public long[] timestamps() throws IOException {
        return longs(TS);
    }

    /** Every row's level severity. */
    public long[] severities() throws IOException {
        return longs(LEVEL);
    }

    /**
     * Every row's value of an integer column without nulls (the array may be longer than
     * {@link #rows()}; it is valid until {@link #release}).
     */
    public long[] longs(String column) throws IOException {
        ParquetChunkDecoder.ColumnValues values = typed(column, Integer.MAX_VALUE, false);
        int[] index = valueIndexOfSlots[leafIndex.get(column)];
        if (index == null) {
            return values.longs();
        }
        long[] rows = new long[rows()];
        for (int row = 0; row < rows.length; row++) {
            if (index[row] < 0) {
                throw new IOException("column " + column + " is null in row " + row);
            }
            rows[row] = values.longs()[index[row]];
        }
        return rows;
    }

    private long longValue(String column, int row) throws IOException {
        ParquetChunkDecoder.ColumnValues values = typed(column, row, false);
        int value = values.valueIndex(row, valueIndexOfSlots[leafIndex.get(column)]);
        if (value < 0) {
            throw new IOException("column " + column + " is null in row " + row);
        }
        return values.longs()[value];
    }

    /** Row {@code row}'s value of a text column, or null. */
    public String string(String column, int row) throws IOException {
        ParquetChunkDecoder.ColumnValues values = typed(column, row, true);
        int value = values.valueIndex(row, valueIndexOfSlots[leafIndex.get(column)]);
        return value < 0 ? null : text(values, value);
    }

    private Map<String, String> attrs(int row) throws IOException {
        String keyPath = ATTRS + ".key_value.key";
        String valuePath = ATTRS + ".key_value.value";
        ParquetChunkDecoder.ColumnValues keys = attrsColumn(keyPath, row);
        ParquetChunkDecoder.ColumnValues values = attrsColumn(valuePath, row);
        if (keys.count() != values.count() || keys.buffers() == null || values.buffers() == null) {
            throw new IOException("attrs keys and values disagree");
        }
        if (attrsRowStart == null) {
            attrsRowStart = arrays.ints(rows() + 1);
        }
        rowStarts(keys, row + 1);
        int[] keyIndex = valueIndexOfSlots[leafIndex.get(keyPath)];
        int[] valueIndex = valueIndexOfSlots[leafIndex.get(valuePath)];
        Map<String, String> attrs = null;
        for (int slot = attrsRowStart[row]; slot < attrsRowStart[row + 1]; slot++) {
            int key = keys.valueIndex(slot, keyIndex);
            if (key < 0) {
                continue;
            }
            int value = values.valueIndex(slot, valueIndex);
            if (attrs == null) {
                attrs = new LinkedHashMap<>();
            }
            attrs.put(text(keys, key), value < 0 ? null : text(values, value));
        }
        return attrs == null ? Map.of() : attrs;
    }

    /**
     * Extends {@link #attrsRowStart} (the first slot of each row of the attrs columns, from their
     * repetition levels: 0 starts a row) until it knows where row {@code row} ends; a single row
     * scans only the levels up to it.
     */
    private void rowStarts(ParquetChunkDecoder.ColumnValues column, int row) throws IOException {
        int rows = rows();
        while (attrsRowsKnown <= row && attrsScanSlot < column.count()) {
            if (column.repetition()[attrsScanSlot] == 0) {
                if (attrsRowsKnown >= rows) {
                    throw new IOException("a repeated column holds more rows than its row group");
                }
                attrsRowStart[attrsRowsKnown++] = attrsScanSlot;
            }
            attrsScanSlot++;
        }
        if (attrsScanSlot == column.count() && attrsRowsKnown <= row) {
            if (attrsRowsKnown != rows) {
                throw new IOException("a repeated column holds " + attrsRowsKnown + " of " + rows + " rows");
            }
            attrsRowStart[rows] = column.count();
            attrsRowsKnown = rows + 1;
        }
    }

    private ParquetChunkDecoder.ColumnValues column(String path) throws IOException {
        return column(path, 0, Integer.MAX_VALUE);
    }

    /**
     * An attrs column with the values of row {@code row} on: decoded the first time from
     * {@link #rowsFrom} (when the row is at or after it), in full when an earlier row is asked for.
     */
    private ParquetChunkDecoder.ColumnValues attrsColumn(String path, int row) throws IOException {
        int index = leafIndex.get(path);
        if (columns[index] != null && row >= repeatedFromRow[index]) {
            return columns[index];
        }
        int from = columns[index] == null && row >= rowsFrom ? rowsFrom : 0;
        repeatedFromRow[index] = from;
        return decodeColumn(index, from, Integer.MAX_VALUE);
    }

    /**
     * Says that the single rows asked for from now on ({@link #event} and the like) lie in
     * {@code [first, last]}: a flat column's pages wholly before {@code first} are then not
     * decompressed, and each column is decoded once for all of them (one user's events in a row
     * group cost about a page of each column, not the whole chunk).
     */
    public void readRowsBetween(int first, int last) {
        rowsFrom = Math.max(0, first);
        rowsTo = Math.max(rowsFrom, last);
    }

    /** A column that must exist and hold text ({@code text}) or integers, decoded through {@code upToRow}. */
    private ParquetChunkDecoder.ColumnValues typed(String column, int upToRow, boolean text) throws IOException {
        if (!leafIndex.containsKey(column)) {
            throw new IOException("no column " + column);
        }
        boolean inRange = upToRow != Integer.MAX_VALUE && upToRow >= rowsFrom;
        ParquetChunkDecoder.ColumnValues values = column(column, inRange ? rowsFrom : 0,
                inRange ? Math.max(upToRow, rowsTo) : upToRow);
        if (text ? values.buffers() == null : values.longs() == null) {
            throw new IOException("column " + column + " is not " + (text ? "a text" : "an integer") + " column");
        }
        return values;
    }

    /** The column with the values of at least rows {@code [fromRow, upToRow]} decoded. */
    private ParquetChunkDecoder.ColumnValues column(String path, int fromRow, int upToRow) throws IOException {
        int index = leafIndex.get(path);
        ParquetChunkDecoder.ColumnValues decoded = columns[index];
        if (decoded == null || !decoded.covers(fromRow, upToRow)) {
            // Only flat columns can start late or stop early (a repeated column's slots do not line
            // up with rows: see attrsColumn), and only the first time: a row outside those pages
            // decodes everything.
            boolean partial = decoded == null && footer.columns().get(index).maxRepetition() == 0
                    && upToRow < Integer.MAX_VALUE;
            decodeColumn(index, partial ? fromRow : 0, partial ? upToRow + 1 : Integer.MAX_VALUE);
        }
        return columns[index];
    }

    /** Decodes leaf {@code index} from row {@code fromRow}, slots below {@code slotLimit}, and keeps it. */
    private ParquetChunkDecoder.ColumnValues decodeColumn(int index, int fromRow, int slotLimit) throws IOException {
        if (arrays == null) {
            throw new IllegalStateException("row group used after release()");
        }
        ParquetFooter.Chunk chunk = group.chunks().get(index);
        ParquetFooter.Leaf leaf = footer.columns().get(index);
        ParquetChunkDecoder.ColumnValues values = ParquetChunkDecoder.decode(bytes, (int) (chunk.offset() - base),
                (int) chunk.length(), leaf, chunk.codec(), chunk.values(), fromRow, slotLimit, arrays);
        if (leaf.maxRepetition() == 0 && values.count() != rows()) {
            throw new IOException("column " + leaf.path() + " holds " + values.count() + " values for " + rows() + " rows");
        }
        valueIndexOfSlots[index] = values.valueIndexOfSlots(arrays);
        columns[index] = values;
        return values;
    }

    private static String text(ParquetChunkDecoder.ColumnValues values, int value) {
        return new String(values.buffers()[value], values.offsets()[value], values.lengths()[value], StandardCharsets.UTF_8);
    }

    /**
     * Whether {@code token} (lowercase ASCII) occurs in {@code bytes[offset, offset+length)},
     * ignoring ASCII case, or the text has a non-ASCII byte (then it may hold the token after
     * Unicode lowercasing). One pass.
     */
    static boolean mayContain(byte[] bytes, int offset, int length, byte[] token) {
        int end = offset + length;
        int candidate = offset;
        while ((candidate = nextCandidate(bytes, candidate, end, token[0])) < end) {
            if (bytes[candidate] < 0 || matchesAt(bytes, candidate, end, token)) {
                return true;
            }
            candidate++;
        }
        return false;
    }

    /**
     * The first index in {@code [from, end)} of a non-ASCII byte or of {@code tokenFirst}
     * (lowercase ASCII; either case matches), or {@code end}. Eight bytes at a time: a word with
     * neither is skipped whole (for a letter, setting bit 5 of every byte may also flag a few
     * non-letters, which the byte-wise check then rejects).
     */
    private static int nextCandidate(byte[] bytes, int from, int end, int tokenFirst) {
        boolean letter = tokenFirst >= 'a' && tokenFirst <= 'z';
        long pattern = ONES * tokenFirst;
        int i = from;
        for (; i + 8 <= end; i += 8) {
            long word = (long) LONGS.get(bytes, i);
            long diff = (letter ? word | CASE_BITS : word) ^ pattern;
            if ((word & HIGH_BITS) != 0 || ((diff - ONES) & ~diff & HIGH_BITS) != 0) {
                break;
            }
        }
        for (; i < end; i++) {
            if (bytes[i] < 0 || lower(bytes[i]) == tokenFirst) {
                return i;
            }
        }
        return end;
    }

    private static boolean matchesAt(byte[] bytes, int at, int end, byte[] token) {
        if (at + token.length > end) {
            return false;
        }
        for (int j = 0; j < token.length; j++) {
            if (lower(bytes[at + j]) != token[j]) {
                return false;
            }
        }
        return true;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
    }
}
