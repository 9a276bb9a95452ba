package io.larch.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import io.larch.model.StoredEventCodec;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Sealing splits a segment's lines by project, in part order, read off the lines without decoding them. */
class PartLineOrderTest {
    private static final Comparator<LogEvent> PART_ORDER =
            Comparator.comparingLong(LogEvent::ts).thenComparingLong(LogEvent::id);

    private static LogEvent event(long id, long ts, String message) {
        return event(1, id, ts, message);
    }

    private static LogEvent event(long projectId, long id, long ts, String message) {
        return new LogEvent(id, ts, ts, projectId, Kind.APP, Level.INFO, message, null, null, "fp", null, null, null, null,
                null, null, Map.of("ts", "1", "note", "\"id\":1"));
    }

    private static byte[] lines(List<LogEvent> events) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StoredEventCodec.writeLines(events, out);
        return out.toByteArray();
    }

    @Test
    void linesOutOfOrderAreSortedByTimeThenId() throws Exception {
        Random random = new Random(5);
        List<LogEvent> events = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            // Few distinct times, so ids decide many ties; messages that look like the fields.
            events.add(event(1000 + random.nextInt(1_000_000), 1_795_000_000_000L + random.nextInt(20),
                    "\"ts\":1 \"id\":2 {\"ts\":3}"));
        }
        byte[] ordered = PartWriter.linesByProject(lines(events)).get(1L).bytes();
        List<LogEvent> decoded = StoredEventCodec.decodeLines(ordered, 0, ordered.length);
        List<LogEvent> expected = new ArrayList<>(events);
        expected.sort(PART_ORDER);
        assertEquals(expected, decoded);
    }

    @Test
    void linesInOrderAreLeftAsTheyAre() throws Exception {
        byte[] bytes = lines(List.of(event(1, 10, "a"), event(2, 10, "b"), event(1, 11, "c")));
        assertSame(bytes, PartWriter.linesByProject(bytes).get(1L).bytes());
    }

    @Test
    void negativeTimesSortBeforePositiveOnes() throws Exception {
        byte[] ordered = PartWriter.linesByProject(lines(List.of(event(1, 5, "a"), event(2, -5, "b")))).get(1L).bytes();
        assertEquals(List.of(-5L, 5L),
                StoredEventCodec.decodeLines(ordered, 0, ordered.length).stream().map(LogEvent::ts).toList());
    }

    @Test
    void eachProjectGetsItsOwnLinesInOrder() throws Exception {
        List<LogEvent> events = List.of(event(2, 1, 30, "a"), event(1, 2, 20, "b"), event(2, 3, 10, "c"), event(1, 4, 5, "d"));
        Map<Long, PartWriter.ProjectLines> byProject = PartWriter.linesByProject(lines(events));
        for (long project : List.of(1L, 2L)) {
            byte[] bytes = byProject.get(project).bytes();
            List<LogEvent> expected = events.stream().filter(e -> e.projectId() == project).sorted(PART_ORDER).toList();
            assertEquals(expected, StoredEventCodec.decodeLines(bytes, 0, bytes.length));
            assertEquals(2, byProject.get(project).count());
        }
    }
}
