package io.larch.wal;

import io.larch.model.LogEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the valid records of a segment file. Reading stops at the first record that is torn
 * (shorter than its length says) or corrupt (CRC mismatch, impossible length, undecodable): such
 * a record, and anything after it, is never returned. A torn last record is the normal trace of a
 * crash mid-write; that record was never acknowledged, because acknowledgement waits for fsync.
 */
public final class SegmentReader {

    private SegmentReader() {
    }

    /** What a segment file held. {@code tailCut} says whether a torn or corrupt tail was dropped. */
    public record Contents(List<LogEvent> events, int records, boolean tailCut) {
    }

    /** Reads and decodes every valid record. */
    public static Contents read(Path path) throws IOException {
        List<LogEvent> events = new ArrayList<>();
        Scan scan = scan(path, (bytes, offset, length) -> {
            try {
                events.addAll(decode(bytes, offset, length));
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return new Contents(events, scan.records, scan.tailCut);
    }

    /** A record's events: binary payloads, or the JSON lines segments written before them hold. */
    private static List<LogEvent> decode(byte[] bytes, int offset, int length) throws IOException {
        return BinaryEventCodec.isBinary(bytes, offset, length)
                ? BinaryEventCodec.decode(bytes, offset, length)
                : JsonLinesEventCodec.decodeLines(bytes, offset, length);
    }

    /**
     * How many events the valid records hold, from the binary payloads' headers without decoding
     * them (JSON-lines payloads: their lines).
     */
    public static long countEvents(Path path) throws IOException {
        long[] events = {0};
        scan(path, (bytes, offset, length) -> {
            try {
                events[0] += BinaryEventCodec.isBinary(bytes, offset, length)
                        ? BinaryEventCodec.count(bytes, offset, length)
                        : JsonLinesEventCodec.decodeLines(bytes, offset, length).size();
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return events[0];
    }

    private interface RecordVisitor {
        /** Returns false when the record cannot be used; reading stops there. */
        boolean visit(byte[] bytes, int offset, int length);
    }

    private record Scan(int records, boolean tailCut) {
    }

    private static Scan scan(Path path, RecordVisitor visitor) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        if (bytes.length < SegmentFormat.HEADER_BYTES) {
            // A crash between creating the file and fsyncing its header: no record was ever in it.
            return new Scan(0, bytes.length > 0);
        }
        if (!Arrays.equals(bytes, 0, SegmentFormat.MAGIC.length, SegmentFormat.MAGIC, 0, SegmentFormat.MAGIC.length)) {
            throw new IOException(path + " is not a Larch WAL segment (bad magic)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int version = buffer.getInt(SegmentFormat.MAGIC.length);
        if (version != SegmentFormat.VERSION) {
            throw new IOException(path + " has WAL format version " + version + "; this Larch reads version "
                    + SegmentFormat.VERSION);
        }
        int offset = SegmentFormat.HEADER_BYTES;
        int records = 0;
        while (offset < bytes.length) {
            if (bytes.length - offset < SegmentFormat.RECORD_HEADER_BYTES) {
                return new Scan(records, true);
            }
            int length = buffer.getInt(offset);
            int crc = buffer.getInt(offset + 4);
            int payloadStart = offset + SegmentFormat.RECORD_HEADER_BYTES;
            if (length <= 0 || length > SegmentFormat.MAX_PAYLOAD_BYTES || length > bytes.length - payloadStart
                    || SegmentFormat.crc(bytes, payloadStart, length) != crc
                    || !visitor.visit(bytes, payloadStart, length)) {
                return new Scan(records, true);
            }
            records++;
            offset = payloadStart + length;
        }
        return new Scan(records, false);
    }
}
