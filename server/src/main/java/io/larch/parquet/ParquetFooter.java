package io.larch.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link PartPointReader} needs from a Parquet file's footer: each leaf column's type and
 * levels, and where each row group's column chunks lie in the file.
 *
 * @param columns    leaf columns in file order, named by their top-level column
 * @param rowGroups  in file order
 */
public record ParquetFooter(List<Leaf> columns, List<RowGroup> rowGroups) {
    public static final int INT32 = 1;
    public static final int INT64 = 2;
    public static final int BYTE_ARRAY = 6;
    static final int CODEC_UNCOMPRESSED = 0;
    static final int CODEC_ZSTD = 6;

    /**
     * A leaf column: {@code path} is its full path (for a map, {@code attrs.key_value.key}),
     * {@code topLevel} the column it belongs to.
     */
    public record Leaf(String path, String topLevel, int physicalType, int maxDefinition, int maxRepetition) {
    }

    /**
     * One column chunk: its byte range (page headers included), codec, and for INT64 columns the
     * smallest and largest value (Long.MIN_VALUE and Long.MAX_VALUE when the footer has none).
     */
    public record Chunk(long offset, long length, int codec, long values, long min, long max) {
    }

    /** One row group: its first row in the file, its row count, and a chunk per leaf column. */
    public record RowGroup(long firstRow, long rows, List<Chunk> chunks) {
    }

    /** Leaf index by path. */
    public Map<String, Integer> leafIndex() {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            index.put(columns.get(i).path(), i);
        }
        return index;
    }

    /** The magic bytes at both ends of a Parquet file. */
    static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    public static ParquetFooter read(Path file) throws IOException {
        return parse(RawFooter.read(file).bytes());
    }

    /** A file's footer bytes (its FileMetaData, not yet parsed) and where its data before them ends. */
    record RawFooter(byte[] bytes, long dataEnd) {
        static RawFooter read(Path file) throws IOException {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = channel.size();
                if (size < 12) {
                    throw new IOException(file + " is too short to be a Parquet file");
                }
                ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                readFully(channel, tail, size - 8);
                int footerLength = tail.getInt(0);
                if (!Arrays.equals(MAGIC, Arrays.copyOfRange(tail.array(), 4, 8))
                        || footerLength <= 0 || footerLength > size - 12) {
                    throw new IOException(file + " has no Parquet footer");
                }
                ByteBuffer footer = ByteBuffer.allocate(footerLength);
                long dataEnd = size - 8 - footerLength;
                readFully(channel, footer, dataEnd);
                return new RawFooter(footer.array(), dataEnd);
            }
        }
    }

    public static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new IOException("Parquet file ends early");
            }
        }
    }

    private record SchemaElement(String name, int type, int repetition, int children) {
    }

    static ParquetFooter parse(byte[] bytes) throws IOException {
        ThriftCompact in = new ThriftCompact(bytes, 0, bytes.length);
        List<SchemaElement> schema = new ArrayList<>();
        List<RowGroup> rowGroups = new ArrayList<>();
        in.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            if (field == 2 && in.fieldType() == ThriftCompact.LIST) {
                int count = in.readListHeader();
                for (int i = 0; i < count; i++) {
                    schema.add(schemaElement(in));
                }
            } else if (field == 4 && in.fieldType() == ThriftCompact.LIST) {
                int count = in.readListHeader();
                long firstRow = 0;
                for (int i = 0; i < count; i++) {
                    RowGroup group = rowGroup(in, firstRow);
                    rowGroups.add(group);
                    firstRow += group.rows();
                }
            } else {
                in.skipField();
            }
        }
        if (schema.isEmpty()) {
            throw new IOException("Parquet footer has no schema");
        }
        List<Leaf> leaves = new ArrayList<>();
        int[] next = {1};
        for (int i = 0; i < schema.getFirst().children(); i++) {
            collectLeaves(schema, next, "", null, 0, 0, leaves);
        }
        for (RowGroup group : rowGroups) {
            if (group.chunks().size() != leaves.size()) {
                throw new IOException("a row group has " + group.chunks().size() + " column chunks for " + leaves.size() + " columns");
            }
        }
        return new ParquetFooter(List.copyOf(leaves), List.copyOf(rowGroups));
    }

    private static void collectLeaves(List<SchemaElement> schema, int[] next, String prefix, String topLevel,
                                      int definition, int repetition, List<Leaf> leaves) throws IOException {
        if (next[0] >= schema.size()) {
            throw new IOException("Parquet schema is shorter than its child counts say");
        }
        SchemaElement element = schema.get(next[0]++);
        String path = prefix.isEmpty() ? element.name() : prefix + "." + element.name();
        String top = topLevel == null ? element.name() : topLevel;
        int def = definition + (element.repetition() == 0 ? 0 : 1);
        int rep = repetition + (element.repetition() == 2 ? 1 : 0);
        if (element.children() == 0) {
            leaves.add(new Leaf(path, top, element.type(), def, rep));
            return;
        }
        for (int i = 0; i < element.children(); i++) {
            collectLeaves(schema, next, path, top, def, rep, leaves);
        }
    }

    private static SchemaElement schemaElement(ThriftCompact in) throws IOException {
        String name = null;
        int type = -1;
        int repetition = 0;
        int children = 0;
        in.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            switch (field) {
                case 1 -> type = in.readI32();
                case 3 -> repetition = in.readI32();
                case 4 -> name = in.readString();
                case 5 -> children = in.readI32();
                default -> in.skipField();
            }
        }
        if (name == null) {
            throw new IOException("Parquet schema element without a name");
        }
        return new SchemaElement(name, type, repetition, children);
    }

    private static RowGroup rowGroup(ThriftCompact in, long firstRow) throws IOException {
        List<Chunk> chunks = new ArrayList<>();
        long rows = -1;
        in.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            if (field == 1 && in.fieldType() == ThriftCompact.LIST) {
                int count = in.readListHeader();
                for (int i = 0; i < count; i++) {
                    chunks.add(columnChunk(in));
                }
            } else if (field == 3) {
                rows = in.readI64();
            } else {
                in.skipField();
            }
        }
        if (rows < 0) {
            throw new IOException("Parquet row group without a row count");
        }
        return new RowGroup(firstRow, rows, List.copyOf(chunks));
    }

    private static Chunk columnChunk(ThriftCompact in) throws IOException {
        Chunk chunk = null;
        in.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            if (field == 3 && in.fieldType() == ThriftCompact.STRUCT) {
                chunk = columnMetaData(in);
            } else {
                in.skipField();
            }
        }
        if (chunk == null) {
            throw new IOException("Parquet column chunk without metadata");
        }
        return chunk;
    }

    private static Chunk columnMetaData(ThriftCompact in) throws IOException {
        int codec = -1;
        long values = -1;
        long compressedSize = -1;
        long dataPageOffset = -1;
        long dictionaryPageOffset = -1;
        int type = -1;
        long[] minMax = {Long.MIN_VALUE, Long.MAX_VALUE};
        in.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            switch (field) {
                case 1 -> type = in.readI32();
                case 12 -> {
                    if (in.fieldType() != ThriftCompact.STRUCT) {
                        throw new IOException("Parquet column statistics are not a struct");
                    }
                    statistics(in, minMax);
                }
                case 4 -> codec = in.readI32();
                case 5 -> values = in.readI64();
                case 7 -> compressedSize = in.readI64();
                case 9 -> dataPageOffset = in.readI64();
                case 11 -> dictionaryPageOffset = in.readI64();
                default -> in.skipField();
            }
        }
        if (codec < 0 || compressedSize < 0 || dataPageOffset < 0) {
            throw new IOException("Parquet column metadata lacks its codec, size or offset");
        }
        long start = dictionaryPageOffset > 0 && dictionaryPageOffset < dataPageOffset ? dictionaryPageOffset : dataPageOffset;
        boolean int64 = type == INT64;
        return new Chunk(start, compressedSize, codec, values, int64 ? minMax[0] : Long.MIN_VALUE,
                int64 ? minMax[1] : Long.MAX_VALUE);
    }

    /** Reads min and max of a Statistics struct as 8-byte little-endian values (the INT64 encoding). */
    private static void statistics(ThriftCompact in, long[] minMax) throws IOException {
        in.beginStruct();
        for (int field; (field = in.nextField()) >= 0; ) {
            // 5/6 are max_value/min_value; 1/2 the older max/min, the same for signed integers.
            if (field == 1 || field == 2 || field == 5 || field == 6) {
                byte[] value = in.readBinary();
                if (value.length == 8) {
                    long v = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong();
                    if (field == 2 || field == 6) {
                        minMax[0] = v;
                    } else {
                        minMax[1] = v;
                    }
                }
            } else {
                in.skipField();
            }
        }
    }
}
