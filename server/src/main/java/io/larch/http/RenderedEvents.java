package io.larch.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.larch.model.LogEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The JSON of recent events, rendered once for every live stream that sends them: an event that
 * ten streams follow is serialized once, not ten times. A fixed table of slots by event id (the
 * newest rendering of a slot wins), so it holds at most {@link #SLOTS} renderings. Events are
 * immutable once stored, so a rendering never goes stale. Thread-safe.
 */
final class RenderedEvents {
    private static final int SLOTS = 1 << 13;
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private record Rendered(long id, byte[] json) {
    }

    private final AtomicReferenceArray<Rendered> slots = new AtomicReferenceArray<>(SLOTS);

    /** The event's JSON (as {@link EventJson} writes it), in UTF-8. */
    byte[] json(LogEvent event) {
        int slot = (int) (mix(event.id()) & (SLOTS - 1));
        Rendered rendered = slots.get(slot);
        if (rendered != null && rendered.id() == event.id()) {
            return rendered.json();
        }
        byte[] json = render(event);
        slots.set(slot, new Rendered(event.id(), json));
        return json;
    }

    private static byte[] render(LogEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            EventJson.write(json, event);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Ids of one millisecond differ in their low bits only: spread them over the table. */
    private static long mix(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }
}
