package io.larch.parquet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Writes Thrift's compact protocol, and copies values read by {@link ThriftCompact} verbatim:
 * enough to re-emit a Parquet footer with some fields changed ({@link ParquetConcat}).
 */
final class ThriftCompactWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final int[] lastFieldIds = new int[32];
    private int depth;

    byte[] toByteArray() {
        return out.toByteArray();
    }

    /** Structs this writer nests at most: Parquet's own go four deep. */
    private static final int MAX_DEPTH = 31;

    void beginStruct() {
        if (depth >= MAX_DEPTH) {
            throw new IllegalStateException("thrift structs nested too deep");
        }
        lastFieldIds[++depth] = 0;
    }

    void endStruct() {
        out.write(ThriftCompact.STOP);
        depth--;
    }

    /** A field header; for a bool field {@code type} carries the value (BOOL_TRUE or BOOL_FALSE). */
    void fieldHeader(int id, int type) {
        int delta = id - lastFieldIds[depth];
        if (delta > 0 && delta <= 15) {
            out.write(delta << 4 | type);
        } else {
            out.write(type);
            varint(zigzag(id));
        }
        lastFieldIds[depth] = id;
    }

    void i32(int value) {
        varint(zigzag(value));
    }

    void i64(long value) {
        varint(zigzag(value));
    }

    /** A whole i32 field: header and value. */
    void i32Field(int id, int value) {
        fieldHeader(id, ThriftCompact.I32);
        i32(value);
    }

    /** A whole i64 field: header and value. */
    void i64Field(int id, long value) {
        fieldHeader(id, ThriftCompact.I64);
        i64(value);
    }

    void binary(byte[] bytes) {
        varint(bytes.length);
        out.writeBytes(bytes);
    }

    /** Bytes already encoded elsewhere: a struct value written by another writer, say. */
    void raw(byte[] bytes) {
        out.writeBytes(bytes);
    }

    void listHeader(int size, int elementType) {
        if (size < 15) {
            out.write(size << 4 | elementType);
        } else {
            out.write(0xF0 | elementType);
            varint(size);
        }
    }

    /**
     * Copies the value of the field {@code in} just read (its header already written here with
     * the same type), recursing into structs, lists and maps.
     */
    void copyField(ThriftCompact in) throws IOException {
        copy(in, in.fieldType());
    }

    /** Copies one value of {@code type}. */
    void copy(ThriftCompact in, int type) throws IOException {
        switch (type) {
            case ThriftCompact.BOOL_TRUE, ThriftCompact.BOOL_FALSE -> {
                // A bool field's value is its header's type; nothing follows.
            }
            case ThriftCompact.BYTE -> out.write(in.readRawByte());
            case ThriftCompact.I16, ThriftCompact.I32, ThriftCompact.I64 -> i64(in.readI64());
            case ThriftCompact.DOUBLE -> out.writeBytes(in.readRaw(8));
            case ThriftCompact.BINARY -> binary(in.readBinary());
            case ThriftCompact.LIST, ThriftCompact.SET -> {
                int size = in.readListHeader();
                int elementType = in.listElementType();
                listHeader(size, elementType);
                for (int i = 0; i < size; i++) {
                    if (elementType == ThriftCompact.BOOL_TRUE || elementType == ThriftCompact.BOOL_FALSE) {
                        out.write(in.readRawByte());
                    } else {
                        copy(in, elementType);
                    }
                }
            }
            case ThriftCompact.MAP -> {
                int size = in.readMapHeader();
                varint(size);
                if (size > 0) {
                    int types = in.mapTypes();
                    out.write(types);
                    for (int i = 0; i < size; i++) {
                        copy(in, types >>> 4);
                        copy(in, types & 0x0F);
                    }
                }
            }
            case ThriftCompact.STRUCT -> {
                if (depth >= MAX_DEPTH) {
                    throw new IOException("thrift structs nested too deep to copy");
                }
                in.beginStruct();
                beginStruct();
                for (int field; (field = in.nextField()) >= 0; ) {
                    fieldHeader(field, in.fieldType());
                    copyField(in);
                }
                endStruct();
            }
            default -> throw new IOException("unknown thrift type " + type);
        }
    }

    private void varint(long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static long zigzag(long n) {
        return (n << 1) ^ (n >> 63);
    }
}
