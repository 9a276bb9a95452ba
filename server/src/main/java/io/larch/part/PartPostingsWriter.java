package io.larch.part;

import io.larch.model.LogEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/** Builds a part's {@link PartPostings} file from its rows in part order, or from its inputs' files (compaction). */
public final class PartPostingsWriter {
    /** Each distinct key's number: its rows are {@code lists[number]}. */
    private final LongIntHashMap keyNumbers = new LongIntHashMap();
    private long[] keys = new long[64];
    private RowList[] lists = new RowList[64];
    private int keyCount;
    private final long[] rowKeys = new long[RowTokens.MAX_FIELD_VALUES];
    private int nextRow;

    /** Adds the next row. */
    public void addRow(LogEvent event) {
        int count = RowTokens.fieldValueHashes(event, rowKeys);
        int row = nextRow++;
        for (int i = 0; i < count; i++) {
            int number = keyNumbers.get(rowKeys[i]);
            if (number < 0) {
                number = keyCount++;
                if (number == keys.length) {
                    keys = Arrays.copyOf(keys, number * 2);
                    lists = Arrays.copyOf(lists, number * 2);
                }
                keys[number] = rowKeys[i];
                lists[number] = new RowList();
                keyNumbers.put(rowKeys[i], number);
            }
            lists[number].add(row);
        }
    }

    /** Writes the file (not fsynced; the caller installs it like the part itself). */
    public void write(Path file) throws IOException {
        Integer[] order = new Integer[keyCount];
        for (int i = 0; i < keyCount; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
        Body body = new Body(keyCount);
        for (int number : order) {
            RowList list = lists[number];
            body.startKey(keys[number]);
            for (int i = 0; i < list.count; i++) {
                body.addRow(list.rows[i]);
            }
        }
        body.writeTo(file);
    }

    /** Writes the postings of {@code rows}, which must be in part order. */
    public static void write(List<LogEvent> rows, Path file) throws IOException {
        PartPostingsWriter writer = new PartPostingsWriter();
        rows.forEach(writer::addRow);
        writer.write(file);
    }

    /**
     * Writes the postings of a part made by concatenating {@code inputs}' rows in this order:
     * each key's rows from every input, moved by the rows before that input. Returns false
     * (writing nothing) when an input has none or they were damaged since they were opened (then
     * the caller builds them from the rows).
     */
    public static boolean concatenate(List<PartPostings> inputs, List<Long> inputRows, Path file) throws IOException {
        long[] offsets = new long[inputs.size()];
        long offset = 0;
        for (int i = 0; i < inputs.size(); i++) {
            PartPostings input = inputs.get(i);
            if (input == null || !input.isStillWhole()) {
                return false;
            }
            offsets[i] = offset;
            offset += inputRows.get(i);
        }
        long[] keys = inputs.stream().flatMapToLong(input -> {
            long[] own = new long[input.keyCount()];
            for (int e = 0; e < own.length; e++) {
                own[e] = input.key(e);
            }
            return Arrays.stream(own);
        }).sorted().distinct().toArray();
        Body body = new Body(keys.length);
        for (long key : keys) {
            body.startKey(key);
            for (int i = 0; i < inputs.size(); i++) {
                for (long row : inputs.get(i).rows(key)) {
                    body.addRow(offsets[i] + row);
                }
            }
        }
        body.writeTo(file);
        return true;
    }

    /** The entry table and row area, filled key by key in key order. */
    private static final class Body {
        private final ByteBuffer entries;
        private final ByteArrayOutputStream rows = new ByteArrayOutputStream();
        private int entry = -1;
        private int count;
        private long previous;

        Body(int keys) {
            entries = ByteBuffer.allocate(keys * PartPostings.ENTRY).order(ByteOrder.LITTLE_ENDIAN);
        }

        void startKey(long key) {
            finishKey();
            entry++;
            entries.putLong(entry * PartPostings.ENTRY, key);
            entries.putInt(entry * PartPostings.ENTRY + 12, rows.size());
            count = 0;
            previous = 0;
        }

        void addRow(long row) {
            long delta = row - previous;
            previous = row;
            while ((delta & ~0x7fL) != 0) {
                rows.write((int) ((delta & 0x7f) | 0x80));
                delta >>>= 7;
            }
            rows.write((int) delta);
            count++;
        }

        private void finishKey() {
            if (entry >= 0) {
                entries.putInt(entry * PartPostings.ENTRY + 8, count);
            }
        }

        void writeTo(Path file) throws IOException {
            finishKey();
            ByteBuffer header = ByteBuffer.allocate(PartPostings.HEADER).order(ByteOrder.LITTLE_ENDIAN);
            header.put(PartPostings.MAGIC).putInt(entries.capacity() / PartPostings.ENTRY);
            byte[] rowBytes = rows.toByteArray();
            CRC32C crc = new CRC32C();
            crc.update(header.array());
            crc.update(entries.array());
            crc.update(rowBytes);
            ByteBuffer trailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(header.array());
                out.write(entries.array());
                out.write(rowBytes);
                out.write(trailer.array());
            }
        }
    }

    /** A growing list of row numbers (a part has fewer than 2^31 rows). */
    private static final class RowList {
        int[] rows = new int[2];
        int count;

        void add(int row) {
            if (count == rows.length) {
                rows = Arrays.copyOf(rows, count * 2);
            }
            rows[count++] = row;
        }
    }
}
