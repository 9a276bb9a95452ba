package io.larch.ingest.protocol.loki;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LokiEventsTest {
    private static final long NANOS = 1_733_300_000_123_456_789L;

    private static ObjectNode mapped(Map<String, String> labels, Map<String, String> metadata) {
        LokiEvents.Mapped mapped = LokiEvents.map(List.of(new LokiStream(labels, List.of(new LokiEntry(NANOS, "line", metadata)))));
        return mapped.events().getFirst();
    }

    private static void check(Map<String, String> labels, Map<String, String> metadata, String expectedJson) {
        assertEquals(expectedJson, mapped(labels, metadata).toString(), labels + " " + metadata);
    }

    @Test
    void mapsFieldsFromLabelsAndMetadata() {
        check(Map.of(), Map.of(), "{\"ts\":1733300000123,\"message\":\"line\"}");
        check(Map.of("level", "warning"), Map.of(), "{\"ts\":1733300000123,\"message\":\"line\",\"level\":\"warn\"}");
        check(Map.of("level", "ERR"), Map.of(), "{\"ts\":1733300000123,\"message\":\"line\",\"level\":\"error\"}");
        check(Map.of("detected_level", "critical"), Map.of(), "{\"ts\":1733300000123,\"message\":\"line\",\"level\":\"fatal\"}");
        check(Map.of("severity", "debug"), Map.of(), "{\"ts\":1733300000123,\"message\":\"line\",\"level\":\"debug\"}");
        check(Map.of("detected_level", "unknown"), Map.of(),
                "{\"ts\":1733300000123,\"message\":\"line\",\"attrs\":{\"detected_level\":\"unknown\"}}");
        check(Map.of("level", "info"), Map.of("level", "error"), "{\"ts\":1733300000123,\"message\":\"line\",\"level\":\"error\"}");
        check(Map.of("job", "j"), Map.of(), "{\"ts\":1733300000123,\"message\":\"line\",\"source\":\"j\"}");
        check(ordered("job", "j", "app", "a"), Map.of(),
                "{\"ts\":1733300000123,\"message\":\"line\",\"source\":\"a\",\"attrs\":{\"job\":\"j\"}}");
        check(ordered("app", "a", "service_name", "s"), Map.of(),
                "{\"ts\":1733300000123,\"message\":\"line\",\"source\":\"s\",\"attrs\":{\"app\":\"a\"}}");
        check(Map.of("kind", "build"), Map.of(), "{\"ts\":1733300000123,\"message\":\"line\",\"kind\":\"build\"}");
        check(Map.of("kind", "pod"), Map.of(), "{\"ts\":1733300000123,\"message\":\"line\",\"attrs\":{\"kind\":\"pod\"}}");
        check(Map.of(), Map.of("traceID", "t1"), "{\"ts\":1733300000123,\"message\":\"line\",\"traceId\":\"t1\"}");
        check(Map.of(), Map.of("trace_id", "t2"), "{\"ts\":1733300000123,\"message\":\"line\",\"traceId\":\"t2\"}");
        check(Map.of(), Map.of("user_id", "u"), "{\"ts\":1733300000123,\"message\":\"line\",\"userId\":\"u\"}");
        check(Map.of(), Map.of("conversationId", "c"), "{\"ts\":1733300000123,\"message\":\"line\",\"conversationId\":\"c\"}");
        check(Map.of("deployment_id", "d"), Map.of("build_id", "b"),
                "{\"ts\":1733300000123,\"message\":\"line\",\"deploymentId\":\"d\",\"buildId\":\"b\"}");
        check(Map.of("region", "eu"), Map.of("region", "us"),
                "{\"ts\":1733300000123,\"message\":\"line\",\"attrs\":{\"region\":\"us\"}}");
    }

    @Test
    void zeroTimestampMeansReceiveTimeAndAnOutOfRangeOneIsLeftToTheValidator() {
        LokiEvents.Mapped mapped = LokiEvents.map(List.of(new LokiStream(Map.of(), List.of(
                new LokiEntry(0, "now", Map.of()), new LokiEntry(-1, "before 1970", Map.of())))));
        assertEquals("{\"message\":\"now\"}", mapped.events().get(0).toString());
        assertEquals("{\"ts\":-1,\"message\":\"before 1970\"}", mapped.events().get(1).toString());
    }

    @Test
    void positionsNameStreamAndEntry() {
        LokiEvents.Mapped mapped = LokiEvents.map(List.of(
                new LokiStream(Map.of(), List.of(new LokiEntry(1, "a", Map.of()))),
                new LokiStream(Map.of(), List.of()),
                new LokiStream(Map.of(), List.of(new LokiEntry(1, "b", Map.of()), new LokiEntry(1, "c", Map.of())))));
        assertEquals(List.of("streams[0].values[0]", "streams[2].values[0]", "streams[2].values[1]"), mapped.positions());
        assertEquals(0, mapped.droppedLabels());
    }

    @Test
    void exactlyTheAttrLimitKeepsEveryLabel() {
        Map<String, String> hundred = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            hundred.put("l" + i, "v");
        }
        LokiEvents.Mapped mapped = LokiEvents.map(List.of(new LokiStream(hundred, List.of(new LokiEntry(1, "a", Map.of())))));
        assertEquals(100, mapped.events().getFirst().get("attrs").size());
        assertEquals(0, mapped.droppedLabels());
        hundred.put("l100", "v");
        mapped = LokiEvents.map(List.of(new LokiStream(hundred, List.of(new LokiEntry(1, "a", Map.of())))));
        assertEquals(2, mapped.droppedLabels(), "l99 and l100 make room for the note");
        assertEquals("l99,l100", mapped.events().getFirst().get("attrs").get(LokiEvents.DROPPED_ATTR).asText());
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
