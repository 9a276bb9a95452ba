package io.larch.parquet;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Encodes the Thrift structs of a Parquet footer that {@link PartParquetWriter} writes. */
public final class ParquetFooterWriter {
    private static final int FORMAT_VERSION = 1;
    /** Repetition of a schema element. */
    public static final int REQUIRED = 0;
    public static final int OPTIONAL = 1;
    public static final int REPEATED = 2;
    /** Converted (logical) types DuckDB writes for Larch's columns. */
    public static final int UTF8 = 0;
    public static final int MAP = 1;
    public static final int UINT_8 = 11;
    public static final int INT_64 = 18;

    private ParquetFooterWriter() {
    }

    /**
     * One schema element; -1 leaves out the physical type (groups), the child count (leaves) or
     * the converted type.
     */
    public record SchemaElement(String name, int physicalType, int repetition, int children, int convertedType) {
        public static SchemaElement leaf(String name, int physicalType, int repetition, int convertedType) {
            return new SchemaElement(name, physicalType, repetition, -1, convertedType);
        }

        public static SchemaElement group(String name, int repetition, int children, int convertedType) {
            return new SchemaElement(name, -1, repetition, children, convertedType);
        }
    }

    /** A RowGroup struct for chunks written from {@code fileOffset} on. */
    static byte[] rowGroup(List<ParquetChunkEncoder.ChunkMeta> chunks, long rows, long fileOffset, int ordinal) {
        ThriftCompactWriter out = new ThriftCompactWriter();
        long uncompressed = 0;
        long compressed = 0;
        out.beginStruct();
        out.fieldHeader(1, ThriftCompact.LIST);
        out.listHeader(chunks.size(), ThriftCompact.STRUCT);
        for (ParquetChunkEncoder.ChunkMeta chunk : chunks) {
            columnChunk(out, chunk);
            uncompressed += chunk.uncompressedSize();
            compressed += chunk.compressedSize();
        }
        out.i64Field(2, uncompressed);
        out.i64Field(3, rows);
        out.i64Field(5, fileOffset);
        out.i64Field(6, compressed);
        out.fieldHeader(7, ThriftCompact.I16);
        out.i32(ordinal);
        out.endStruct();
        return out.toByteArray();
    }

    private static void columnChunk(ThriftCompactWriter out, ParquetChunkEncoder.ChunkMeta chunk) {
        long start = chunk.dictionaryPageOffset() >= 0 ? chunk.dictionaryPageOffset() : chunk.dataPageOffset();
        out.beginStruct();
        out.i64Field(2, start);
        out.fieldHeader(3, ThriftCompact.STRUCT);
        out.beginStruct();
        out.i32Field(1, chunk.leaf().physicalType);
        out.fieldHeader(2, ThriftCompact.LIST);
        out.listHeader(chunk.encodings().size(), ThriftCompact.I32);
        chunk.encodings().forEach(out::i32);
        out.fieldHeader(3, ThriftCompact.LIST);
        out.listHeader(chunk.leaf().path.size(), ThriftCompact.BINARY);
        chunk.leaf().path.forEach(name -> out.binary(name.getBytes(StandardCharsets.UTF_8)));
        out.i32Field(4, ParquetFooter.CODEC_ZSTD);
        out.i64Field(5, chunk.values());
        out.i64Field(6, chunk.uncompressedSize());
        out.i64Field(7, chunk.compressedSize());
        out.i64Field(9, chunk.dataPageOffset());
        if (chunk.dictionaryPageOffset() >= 0) {
            out.i64Field(11, chunk.dictionaryPageOffset());
        }
        out.fieldHeader(12, ThriftCompact.STRUCT);
        out.beginStruct();
        out.i64Field(3, chunk.nullCount());
        if (chunk.min() != null && chunk.max() != null) {
            out.fieldHeader(5, ThriftCompact.BINARY);
            out.binary(chunk.max());
            out.fieldHeader(6, ThriftCompact.BINARY);
            out.binary(chunk.min());
        }
        out.endStruct();
        out.endStruct();
        out.endStruct();
    }

    /** The FileMetaData: schema, row count, the row groups (encoded by {@link #rowGroup}), type-defined column orders. */
    public static byte[] fileMetaData(List<SchemaElement> schema, long rows, List<byte[]> rowGroups, int leaves, String createdBy) {
        ThriftCompactWriter out = new ThriftCompactWriter();
        out.beginStruct();
        out.i32Field(1, FORMAT_VERSION);
        out.fieldHeader(2, ThriftCompact.LIST);
        out.listHeader(schema.size(), ThriftCompact.STRUCT);
        for (SchemaElement element : schema) {
            schemaElement(out, element);
        }
        out.i64Field(3, rows);
        out.fieldHeader(4, ThriftCompact.LIST);
        out.listHeader(rowGroups.size(), ThriftCompact.STRUCT);
        rowGroups.forEach(out::raw);
        out.fieldHeader(6, ThriftCompact.BINARY);
        out.binary(createdBy.getBytes(StandardCharsets.UTF_8));
        // Type-defined order: min_value/max_value are ordered as their type (strings as unsigned bytes).
        out.fieldHeader(7, ThriftCompact.LIST);
        out.listHeader(leaves, ThriftCompact.STRUCT);
        for (int i = 0; i < leaves; i++) {
            out.beginStruct();
            out.fieldHeader(1, ThriftCompact.STRUCT);
            out.beginStruct();
            out.endStruct();
            out.endStruct();
        }
        out.endStruct();
        return out.toByteArray();
    }

    private static void schemaElement(ThriftCompactWriter out, SchemaElement element) {
        out.beginStruct();
        if (element.physicalType() >= 0) {
            out.i32Field(1, element.physicalType());
        }
        out.i32Field(3, element.repetition());
        out.fieldHeader(4, ThriftCompact.BINARY);
        out.binary(element.name().getBytes(StandardCharsets.UTF_8));
        if (element.children() >= 0) {
            out.i32Field(5, element.children());
        }
        if (element.convertedType() >= 0) {
            out.i32Field(6, element.convertedType());
        }
        out.endStruct();
    }
}
