package io.larch.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.testing.JsonLines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WAL payloads: binary batches decode to exactly the events encoded, damage is an IOException
 * (the reader then treats the record as a torn tail), and segments whose records hold the JSON
 * lines of earlier versions are still read and counted.
 */
class WalPayloadTest {
    private static final String[] TEXT = {"", "timeout", "Grüße aus Köln", "日本語", "emoji \uD83E\uDD9C", "quote \" and \\",
            "line\nbreak", "nul \u0000 byte", "x".repeat(5_000)};

    @TempDir
    Path dir;

    private static String text(Random random, boolean optional) {
        return optional && random.nextInt(3) == 0 ? null : TEXT[random.nextInt(TEXT.length)] + random.nextInt(1000);
    }

    private static List<LogEvent> randomEvents(Random random, int count) {
        return randomEvents(random, count, true);
    }

    /** Events; the JSON lines of earlier versions had no absent attribute values ({@code nullAttrs} false). */
    private static List<LogEvent> randomEvents(Random random, int count, boolean nullAttrs) {
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, String> attrs = new LinkedHashMap<>();
            for (int a = random.nextInt(4); a > 0; a--) {
                attrs.put(text(random, false), text(random, nullAttrs));
            }
            long ts = random.nextBoolean() ? -random.nextInt(1_000_000) : random.nextLong() >>> 2;
            events.add(new LogEvent(random.nextLong() >>> 1, ts, ts + random.nextInt(5_000), random.nextInt(1 << 20),
                    Kind.values()[random.nextInt(Kind.values().length)], Level.values()[random.nextInt(Level.values().length)],
                    text(random, false), text(random, true), text(random, true), text(random, false), text(random, true),
                    text(random, true), text(random, true), text(random, true), text(random, true), text(random, true),
                    attrs.isEmpty() ? Map.of() : attrs));
        }
        return events;
    }

    @Test
    void binaryPayloadsRoundTrip() throws IOException {
        Random random = new Random(1);
        for (int trial = 0; trial < 50; trial++) {
            List<LogEvent> events = randomEvents(random, random.nextInt(60));
            byte[] payload = BinaryEventCodec.encode(events);
            assertTrue(BinaryEventCodec.isBinary(payload, 0, payload.length));
            assertEquals(events.size(), BinaryEventCodec.count(payload, 0, payload.length));
            assertEquals(events, BinaryEventCodec.decode(payload, 0, payload.length));
            byte[] framed = new byte[payload.length + 7];
            System.arraycopy(payload, 0, framed, 3, payload.length);
            assertEquals(events, BinaryEventCodec.decode(framed, 3, payload.length), "decodes at an offset");
        }
        byte[] json = JsonLines.encode(randomEvents(random, 3));
        assertFalse(BinaryEventCodec.isBinary(json, 0, json.length), "JSON lines are told apart by their first byte");
    }

    @Test
    void aDamagedPayloadIsAnErrorNotAnotherEvent() throws IOException {
        byte[] payload = BinaryEventCodec.encode(randomEvents(new Random(2), 20));
        for (int cut = 0; cut < payload.length; cut++) {
            int length = cut;
            assertThrows(IOException.class, () -> BinaryEventCodec.decode(payload, 0, length), "cut at " + cut);
        }
        byte[] longer = java.util.Arrays.copyOf(payload, payload.length + 1);
        assertThrows(IOException.class, () -> BinaryEventCodec.decode(longer, 0, longer.length), "bytes after the last event");
        byte[] huge = {BinaryEventCodec.MARKER, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F};
        assertThrows(IOException.class, () -> BinaryEventCodec.decode(huge, 0, huge.length), "an impossible count");
    }

    @Test
    void segmentsOfJsonLinesAreStillReadAndCounted() throws IOException {
        Random random = new Random(3);
        List<LogEvent> older = randomEvents(random, 25, false);
        List<LogEvent> newer = randomEvents(random, 17, true);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(SegmentFormat.header().array());
        for (byte[] payload : List.of(JsonLines.encode(older), BinaryEventCodec.encode(newer))) {
            file.write(SegmentFormat.recordHeader(payload).array());
            file.write(payload);
        }
        Path segment = dir.resolve("mixed.wal");
        Files.write(segment, file.toByteArray());
        List<LogEvent> expected = new ArrayList<>(older);
        expected.addAll(newer);
        SegmentReader.Contents contents = SegmentReader.read(segment);
        assertEquals(expected, contents.events());
        assertEquals(2, contents.records());
        assertFalse(contents.tailCut());
        assertEquals(42, SegmentReader.countEvents(segment));
    }
}
