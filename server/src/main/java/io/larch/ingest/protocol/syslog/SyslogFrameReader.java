package io.larch.ingest.protocol.syslog;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Cuts a syslog TCP stream into messages (RFC 6587), deciding per frame: a frame that starts with
 * digits and a space is octet-counted ({@code LEN SP MSG}, as rsyslog's and syslog-ng's
 * {@code syslog()} transports and {@code logger --octet-count} send it); any other frame ends at
 * LF (non-transparent framing: {@code logger --tcp}, rsyslog's {@code @@} forwarding). Memory is
 * bounded by {@code maxBytes} per connection: a longer message is cut there, the rest of it
 * skipped, and the frame says it was truncated. Not thread-safe: one reader per connection.
 */
final class SyslogFrameReader {
    /** Octet counts of more digits than this are not a length (RFC 6587 allows any, senders use few). */
    private static final int MAX_LENGTH_DIGITS = 9;

    private final InputStream in;
    private final int maxBytes;

    /** One message's bytes; {@code truncated} when the sender's was longer than the limit. */
    record Frame(byte[] bytes, boolean truncated) {
    }

    SyslogFrameReader(InputStream in, int maxBytes) {
        this.in = in.markSupported() ? in : new BufferedInputStream(in, 16 * 1024);
        this.maxBytes = maxBytes;
    }

    /** The next message, or null once the stream ended (a message cut off by the end is returned first). */
    Frame next() throws IOException {
        int first = in.read();
        // Between frames: trailing LF, CR or NUL some senders add after an octet-counted frame.
        while (first == '\n' || first == '\r' || first == 0) {
            first = in.read();
        }
        if (first < 0) {
            return null;
        }
        if (first >= '0' && first <= '9') {
            long length = octetCount(first);
            if (length >= 0) {
                return counted(length);
            }
        }
        return untilNewline(first);
    }

    /**
     * The length of an octet-counted frame whose first digit is {@code first}, the stream after
     * its space; or -1 with the stream back after {@code first} when this is not one.
     */
    private long octetCount(int first) throws IOException {
        in.mark(MAX_LENGTH_DIGITS + 1);
        long length = first - '0';
        for (int digits = 1; digits <= MAX_LENGTH_DIGITS; digits++) {
            int next = in.read();
            if (next == ' ') {
                return length;
            }
            if (next < '0' || next > '9') {
                break;
            }
            length = length * 10 + (next - '0');
        }
        in.reset();
        return -1;
    }

    private Frame counted(long length) throws IOException {
        int kept = (int) Math.min(length, maxBytes);
        byte[] bytes = in.readNBytes(kept);
        long skipped = 0;
        long toSkip = length - kept;
        while (skipped < toSkip) {
            long n = in.skip(toSkip - skipped);
            if (n <= 0) {
                if (in.read() < 0) {
                    break;
                }
                n = 1;
            }
            skipped += n;
        }
        return new Frame(bytes, length > maxBytes);
    }

    private Frame untilNewline(int first) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream(256);
        message.write(first);
        boolean truncated = false;
        int next;
        while ((next = in.read()) >= 0 && next != '\n') {
            if (message.size() < maxBytes) {
                message.write(next);
            } else {
                truncated = true;
            }
        }
        return new Frame(message.toByteArray(), truncated);
    }
}
