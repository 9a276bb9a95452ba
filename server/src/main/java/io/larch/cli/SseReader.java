package io.larch.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads Server-Sent Events from a byte stream, as the HTML standard's "event stream
 * interpretation" says: lines end with CRLF, LF or CR; a line starting with ':' is a comment;
 * {@code field: value} loses one leading space of its value; {@code data} lines join with '\n';
 * a blank line dispatches the block, unless it had no data; an {@code id} stays the last event
 * id until another one replaces it; a block cut off by the end of the stream is not dispatched.
 *
 * <p>Not thread-safe: one thread reads. {@link #comments()} counts comment lines (heartbeats)
 * so a caller can tell a quiet stream from a dead one.
 */
final class SseReader {
    /** One dispatched block: its type ("message" when it named none), data, and the last event id so far (or null). */
    record Event(String type, String data, String lastEventId) {
    }

    private final InputStream in;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final StringBuilder data = new StringBuilder();
    private String type = "";
    private String lastEventId;
    private long retryMillis = -1;
    private long comments;
    private boolean firstLine = true;
    /** The last line ended with CR: an LF right after it belongs to that line end (read lazily, so a CR never waits for more bytes). */
    private boolean skipLineFeed;

    SseReader(InputStream in) {
        this.in = new BufferedInputStream(in, 8192);
    }

    /** The next event, or null at the end of the stream. */
    Event next() throws IOException {
        String text;
        while ((text = readLine()) != null) {
            if (firstLine) {
                firstLine = false;
                if (text.startsWith("\uFEFF")) {
                    text = text.substring(1);
                }
            }
            if (text.isEmpty()) {
                Event event = dispatch();
                if (event != null) {
                    return event;
                }
            } else if (text.charAt(0) == ':') {
                comments++;
            } else {
                int colon = text.indexOf(':');
                String field = colon < 0 ? text : text.substring(0, colon);
                String value = colon < 0 ? "" : text.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                field(field, value);
            }
        }
        return null;
    }

    /** The last {@code retry:} value in milliseconds, or -1 when the server sent none. */
    long retryMillis() {
        return retryMillis;
    }

    /** The last event id seen so far (an {@code id:} line), or null. */
    String lastEventId() {
        return lastEventId;
    }

    /** Comment lines read so far. */
    long comments() {
        return comments;
    }

    private void field(String field, String value) {
        switch (field) {
            case "event" -> type = value;
            case "data" -> data.append(value).append('\n');
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    lastEventId = value.isEmpty() ? null : value;
                }
            }
            case "retry" -> {
                if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    try {
                        retryMillis = Long.parseLong(value);
                    } catch (NumberFormatException tooLong) {
                        // ignored, as the standard ignores any retry value it cannot use
                    }
                }
            }
            default -> {
                // unknown fields are ignored
            }
        }
    }

    private Event dispatch() {
        if (data.isEmpty()) {
            type = "";
            return null;
        }
        data.setLength(data.length() - 1);
        Event event = new Event(type.isEmpty() ? "message" : type, data.toString(), lastEventId);
        data.setLength(0);
        type = "";
        return event;
    }

    /** One line without its terminator (CRLF, LF or CR), decoded as UTF-8; null at the end of the stream. */
    private String readLine() throws IOException {
        line.reset();
        int b;
        while ((b = in.read()) >= 0) {
            if (skipLineFeed) {
                skipLineFeed = false;
                if (b == '\n') {
                    continue;
                }
            }
            if (b == '\n' || b == '\r') {
                skipLineFeed = b == '\r';
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return null;
    }
}
