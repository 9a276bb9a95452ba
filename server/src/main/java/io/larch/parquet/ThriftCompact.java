package io.larch.parquet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A reader of Thrift's compact protocol, the encoding of Parquet's footer and page headers: just
 * enough to walk structs field by field, read the scalars Larch needs and skip the rest.
 */
final class ThriftCompact {
    static final int STOP = 0;
    static final int BOOL_TRUE = 1;
    static final int BOOL_FALSE = 2;
    static final int BYTE = 3;
    static final int I16 = 4;
    static final int I32 = 5;
    static final int I64 = 6;
    static final int DOUBLE = 7;
    static final int BINARY = 8;
    static final int LIST = 9;
    static final int SET = 10;
    static final int MAP = 11;
    static final int STRUCT = 12;

    private final byte[] bytes;
    private int position;
    private final int end;
    /** Field ids of the enclosing structs; field headers give ids as deltas from the previous one. */
    private final int[] lastFieldIds = new int[32];
    private int depth;
    private int fieldType;

    ThriftCompact(byte[] bytes, int offset, int length) {
        this.bytes = bytes;
        this.position = offset;
        this.end = offset + length;
    }

    int position() {
        return position;
    }

    /** Enters a struct: the next {@link #nextField} reads its first field. */
    void beginStruct() throws IOException {
        if (++depth >= lastFieldIds.length) {
            throw new IOException("thrift structs nested too deep");
        }
        lastFieldIds[depth] = 0;
    }

    /** The id of the next field of the current struct, or -1 at its end (which leaves the struct). */
    int nextField() throws IOException {
        int header = readByte() & 0xFF;
        if (header == STOP) {
            depth--;
            return -1;
        }
        fieldType = header & 0x0F;
        int delta = header >>> 4;
        int id = delta == 0 ? (short) zigzag(readVarint()) : lastFieldIds[depth] + delta;
        lastFieldIds[depth] = id;
        return id;
    }

    /** The type of the field {@link #nextField} just returned. */
    int fieldType() {
        return fieldType;
    }

    boolean readBool() throws IOException {
        if (fieldType == BOOL_TRUE || fieldType == BOOL_FALSE) {
            return fieldType == BOOL_TRUE;
        }
        throw new IOException("thrift field is not a bool");
    }

    int readI32() throws IOException {
        return (int) zigzag(readVarint());
    }

    long readI64() throws IOException {
        return zigzag(readVarint());
    }

    String readString() throws IOException {
        int length = readLength();
        String value = new String(bytes, position, length, StandardCharsets.UTF_8);
        position += length;
        return value;
    }

    byte[] readBinary() throws IOException {
        int length = readLength();
        byte[] value = java.util.Arrays.copyOfRange(bytes, position, position + length);
        position += length;
        return value;
    }

    /** A list header: returns the element count; {@link #listElementType} gives their type. */
    int readListHeader() throws IOException {
        int header = readByte() & 0xFF;
        listElementType = header & 0x0F;
        int size = header >>> 4;
        return size == 15 ? checkedSize(readVarint()) : size;
    }

    private int listElementType;
    private int mapTypes;

    /** A map header: returns the entry count; {@link #mapTypes} gives key type << 4 | value type. */
    int readMapHeader() throws IOException {
        int size = checkedSize(readVarint());
        mapTypes = size > 0 ? readByte() & 0xFF : 0;
        return size;
    }

    int mapTypes() {
        return mapTypes;
    }

    byte readRawByte() throws IOException {
        return readByte();
    }

    byte[] readRaw(int length) throws IOException {
        if (position + length > end) {
            throw new IOException("thrift data ends early");
        }
        byte[] value = java.util.Arrays.copyOfRange(bytes, position, position + length);
        position += length;
        return value;
    }

    int listElementType() {
        return listElementType;
    }

    /** Skips the value of the field {@link #nextField} just returned. */
    void skipField() throws IOException {
        skip(fieldType);
    }

    /** Skips one value of {@code type} (a list element, say). */
    void skip(int type) throws IOException {
        switch (type) {
            case BOOL_TRUE, BOOL_FALSE -> {
            }
            case BYTE -> position++;
            case I16, I32, I64 -> readVarint();
            case DOUBLE -> position += 8;
            case BINARY -> {
                int length = readLength();
                position += length;
            }
            case LIST, SET -> {
                int size = readListHeader();
                int elementType = listElementType;
                for (int i = 0; i < size; i++) {
                    if (elementType == BOOL_TRUE || elementType == BOOL_FALSE) {
                        position++;
                    } else {
                        skip(elementType);
                    }
                }
            }
            case MAP -> {
                int size = readMapHeader();
                int types = mapTypes;
                for (int i = 0; i < size; i++) {
                    skip(types >>> 4);
                    skip(types & 0x0F);
                }
            }
            case STRUCT -> {
                beginStruct();
                while (nextField() >= 0) {
                    skipField();
                }
            }
            default -> throw new IOException("unknown thrift type " + type);
        }
        if (position > end) {
            throw new IOException("thrift value runs past its buffer");
        }
    }

    private int readLength() throws IOException {
        int length = checkedSize(readVarint());
        if (position + length > end) {
            throw new IOException("thrift binary runs past its buffer");
        }
        return length;
    }

    private static int checkedSize(long size) throws IOException {
        if (size < 0 || size > Integer.MAX_VALUE) {
            throw new IOException("thrift size out of range: " + size);
        }
        return (int) size;
    }

    private byte readByte() throws IOException {
        if (position >= end) {
            throw new IOException("thrift data ends early");
        }
        return bytes[position++];
    }

    private long readVarint() throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = readByte();
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IOException("thrift varint too long");
    }

    private static long zigzag(long n) {
        return (n >>> 1) ^ -(n & 1);
    }
}
