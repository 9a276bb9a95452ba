package io.larch.wal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Byte layout of a WAL segment: a 12-byte header (magic "LARCHWAL", version 1), then records.
 * A record is {@code u32 payload length | u32 CRC32C of payload | payload}, big-endian; the
 * payload is the events of one batch, {@link io.larch.wal.BinaryEventCodec binary} (segments of
 * earlier versions: newline-terminated JSON lines, still read).
 */
final class SegmentFormat {
    static final byte[] MAGIC = "LARCHWAL".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_BYTES = MAGIC.length + 4;
    static final int RECORD_HEADER_BYTES = 8;
    /** Larger lengths are corruption: a batch is at most 512 KB of input. */
    static final int MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

    private SegmentFormat() {
    }

    static ByteBuffer header() {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(MAGIC).putInt(VERSION).flip();
        return header;
    }

    static ByteBuffer recordHeader(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_BYTES);
        header.putInt(payload.length).putInt((int) crc.getValue()).flip();
        return header;
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
