package io.larch.wal;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The write-ahead log's spelling of a batch of events: a marker byte, the event count, then each
 * event's fields in a fixed order, numbers as varints and text as length-prefixed UTF-8.
 *
 * <p>Why not the JSON lines of {@link JsonLinesEventCodec}, which the WAL stored before: escaping
 * every character of every event was ~7% of the server's CPU under full ingest, and nothing reads
 * the WAL but Larch (sealing writes Parquet from the events in memory). Segments written as JSON
 * lines are still read: a JSON payload starts with '{', never with {@link #MARKER}. Thread-safe.
 */
public final class BinaryEventCodec {
    /** First byte of a binary payload. */
    public static final byte MARKER = 0x01;
    /** Optional text: 0 means absent, otherwise the byte length + 1. */
    private static final int ABSENT = 0;

    private BinaryEventCodec() {
    }

    /** Whether the payload at {@code bytes[offset..]} is binary (else JSON lines). */
    public static boolean isBinary(byte[] bytes, int offset, int length) {
        return length > 0 && bytes[offset] == MARKER;
    }

    public static byte[] encode(List<LogEvent> events) {
        int estimate = 16;
        for (LogEvent event : events) {
            estimate += 96 + event.message().length() + (event.stack() == null ? 0 : event.stack().length())
                    + 24 * event.attrs().size();
        }
        Out out = new Out(estimate);
        out.write(MARKER);
        out.varint(events.size());
        for (LogEvent e : events) {
            out.varint(zigzag(e.id()));
            out.varint(zigzag(e.ts()));
            out.varint(zigzag(e.receivedAt()));
            out.varint(zigzag(e.projectId()));
            out.text(e.kind().wireName());
            out.write(e.level().severity());
            out.text(e.message());
            out.optionalText(e.source());
            out.optionalText(e.stack());
            out.text(e.fingerprint());
            out.optionalText(e.userId());
            out.optionalText(e.conversationId());
            out.optionalText(e.buildId());
            out.optionalText(e.deploymentId());
            out.optionalText(e.traceId());
            out.optionalText(e.status());
            out.varint(e.attrs().size());
            for (Map.Entry<String, String> attr : e.attrs().entrySet()) {
                out.text(attr.getKey());
                out.optionalText(attr.getValue());
            }
        }
        return out.bytes();
    }

    /** How many events a binary payload holds, read from its header. */
    public static int count(byte[] bytes, int offset, int length) throws IOException {
        In in = new In(bytes, offset, length);
        in.marker();
        return in.count();
    }

    /** Decodes a payload written by {@link #encode}; IOException on anything else or anything left over. */
    public static List<LogEvent> decode(byte[] bytes, int offset, int length) throws IOException {
        In in = new In(bytes, offset, length);
        in.marker();
        int count = in.count();
        List<LogEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long id = unzigzag(in.varint());
            long ts = unzigzag(in.varint());
            long receivedAt = unzigzag(in.varint());
            long projectId = unzigzag(in.varint());
            String kindName = in.text();
            Kind kind = Kind.parse(kindName).orElseThrow(() -> new IOException("stored event has an unknown kind: " + kindName));
            int severity = in.readByte();
            if (severity < 0 || severity >= Level.values().length) {
                throw new IOException("stored event has an unknown level: " + severity);
            }
            String message = in.text();
            String source = in.optionalText();
            String stack = in.optionalText();
            String fingerprint = in.text();
            String userId = in.optionalText();
            String conversationId = in.optionalText();
            String buildId = in.optionalText();
            String deploymentId = in.optionalText();
            String traceId = in.optionalText();
            String status = in.optionalText();
            long attrCount = in.varint();
            if (attrCount > in.remaining()) {
                throw new IOException("stored event claims " + attrCount + " attributes");
            }
            Map<String, String> attrs = attrCount == 0 ? Map.of() : new LinkedHashMap<>();
            for (long a = 0; a < attrCount; a++) {
                attrs.put(in.text(), in.optionalText());
            }
            events.add(new LogEvent(id, ts, receivedAt, projectId, kind, Level.ofSeverity(severity), message, source, stack,
                    fingerprint, userId, conversationId, buildId, deploymentId, traceId, status, attrs));
        }
        if (in.remaining() != 0) {
            throw new IOException(in.remaining() + " bytes follow the last stored event");
        }
        return events;
    }

    private static long zigzag(long n) {
        return (n << 1) ^ (n >> 63);
    }

    private static long unzigzag(long n) {
        return (n >>> 1) ^ -(n & 1);
    }

    private static final class Out {
        private byte[] buffer;
        private int size;

        Out(int capacity) {
            buffer = new byte[capacity];
        }

        void write(int b) {
            ensure(1);
            buffer[size++] = (byte) b;
        }

        void varint(long value) {
            ensure(10);
            while ((value & ~0x7FL) != 0) {
                buffer[size++] = (byte) ((value & 0x7F) | 0x80);
                value >>>= 7;
            }
            buffer[size++] = (byte) value;
        }

        void text(String value) {
            bytes(value.getBytes(StandardCharsets.UTF_8), 0);
        }

        void optionalText(String value) {
            if (value == null) {
                varint(ABSENT);
            } else {
                bytes(value.getBytes(StandardCharsets.UTF_8), 1);
            }
        }

        /** The length (plus {@code lengthBias}) as a varint, then the bytes. */
        private void bytes(byte[] bytes, int lengthBias) {
            varint(bytes.length + (long) lengthBias);
            ensure(bytes.length);
            System.arraycopy(bytes, 0, buffer, size, bytes.length);
            size += bytes.length;
        }

        byte[] bytes() {
            return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
        }

        private void ensure(int more) {
            if (size + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
            }
        }
    }

    private static final class In {
        private final byte[] bytes;
        private int position;
        private final int end;

        In(byte[] bytes, int offset, int length) {
            this.bytes = bytes;
            this.position = offset;
            this.end = offset + length;
        }

        int remaining() {
            return end - position;
        }

        void marker() throws IOException {
            if (readByte() != MARKER) {
                throw new IOException("not a binary event payload");
            }
        }

        int count() throws IOException {
            long count = varint();
            // Every event takes well over one byte, so a count above the bytes left is damage.
            if (count > remaining()) {
                throw new IOException("payload claims " + count + " events in " + remaining() + " bytes");
            }
            return (int) count;
        }

        int readByte() throws IOException {
            if (position >= end) {
                throw new IOException("stored event ends early");
            }
            return bytes[position++] & 0xFF;
        }

        long varint() throws IOException {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = readByte();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IOException("stored event has a malformed number");
        }

        String text() throws IOException {
            return string(varint());
        }

        String optionalText() throws IOException {
            long length = varint();
            return length == ABSENT ? null : string(length - 1);
        }

        private String string(long length) throws IOException {
            if (length < 0 || length > remaining()) {
                throw new IOException("stored event text runs past its payload");
            }
            String value = new String(bytes, position, (int) length, StandardCharsets.UTF_8);
            position += (int) length;
            return value;
        }
    }
}
