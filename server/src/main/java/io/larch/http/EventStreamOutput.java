package io.larch.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.larch.model.EventId;
import io.larch.model.LogEvent;
import io.larch.tail.EndReason;
import io.larch.tail.StreamSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes a live stream as Server-Sent Events ({@code id:}, {@code event: log}, one-line
 * {@code data:}) or as NDJSON for curl (an event per line, control lines with a {@code type},
 * an empty line as heartbeat). Each delivery is flushed at once. Not thread-safe: one per stream.
 */
final class EventStreamOutput implements StreamSession.Output {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    /** How long an EventSource waits before it reconnects (it then sends Last-Event-ID). */
    private static final int RETRY_MILLIS = 2000;

    private final OutputStream out;
    private final boolean ndjson;
    private final RenderedEvents rendered;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);

    EventStreamOutput(OutputStream out, boolean ndjson, RenderedEvents rendered) {
        this.out = out;
        this.ndjson = ndjson;
        this.rendered = rendered;
    }

    static String contentType(boolean ndjson) {
        return ndjson ? "application/x-ndjson" : "text/event-stream;charset=utf-8";
    }

    /** The opening: the reconnect delay (SSE) so clients do not hammer a restarting server. */
    void open() throws IOException {
        if (!ndjson) {
            ascii("retry: " + RETRY_MILLIS + "\n\n");
        }
        flush();
    }

    @Override
    public void events(List<LogEvent> events) throws IOException {
        for (LogEvent event : events) {
            if (!ndjson) {
                ascii("id: " + EventId.format(event.id()) + "\nevent: log\ndata: ");
            }
            buffer.writeBytes(rendered.json(event));
            ascii(ndjson ? "\n" : "\n\n");
        }
        flush();
    }

    @Override
    public void live(long caughtUpTo) throws IOException {
        String id = EventId.format(Math.max(0, caughtUpTo));
        if (ndjson) {
            ascii("{\"type\":\"live\",\"lastEventId\":\"" + id + "\"}\n");
        } else {
            ascii("id: " + id + "\nevent: live\ndata: {}\n\n");
        }
        flush();
    }

    @Override
    public void partial(int partsSkipped) throws IOException {
        control("partial", "\"partsSkipped\":" + partsSkipped + ",\"message\":" + quoted(partsSkipped
                + " damaged parts were skipped while catching up: events they held are missing from this stream"
                + " (see GET /admin/storage)"));
        flush();
    }

    @Override
    public void dropped(long count, int strikes) throws IOException {
        control("dropped", "\"dropped\":" + count + ",\"strikes\":" + strikes);
        flush();
    }

    @Override
    public void heartbeat() throws IOException {
        ascii(ndjson ? "\n" : ": heartbeat\n\n");
        flush();
    }

    @Override
    public void end(EndReason reason, String message) throws IOException {
        control("end", "\"reason\":" + quoted(reason.wireName()) + ",\"message\":" + quoted(message));
        flush();
    }

    /** A control message: {@code event: <type>} with the JSON object of {@code fields}, or an NDJSON line with a type. */
    private void control(String type, String fields) throws IOException {
        if (ndjson) {
            utf8("{\"type\":\"" + type + "\"," + fields + "}\n");
        } else {
            utf8("event: " + type + "\ndata: {" + fields + "}\n\n");
        }
    }

    private static String quoted(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(bytes)) {
            json.writeString(text);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private void ascii(String text) {
        buffer.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    private void utf8(String text) {
        buffer.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    private void flush() throws IOException {
        buffer.writeTo(out);
        buffer.reset();
        out.flush();
    }
}
