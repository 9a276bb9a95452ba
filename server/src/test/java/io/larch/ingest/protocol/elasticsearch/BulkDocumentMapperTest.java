package io.larch.ingest.protocol.elasticsearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.ingest.IngestLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** One document per line: what each Elasticsearch document becomes as Larch event JSON. */
class BulkDocumentMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode map(String document) {
        try {
            return BulkDocumentMapper.map((ObjectNode) JSON.readTree(document), "logs");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void mapsTheFieldsShippersSend() {
        BiConsumer<String, String> f = (document, event) -> assertEquals(event, map(document).toString(), document);
        f.accept("{\"@timestamp\":\"2026-12-04T10:00:00Z\",\"message\":\"m\"}",
                "{\"ts\":\"2026-12-04T10:00:00Z\",\"message\":\"m\",\"attrs\":{\"index\":\"logs\"}}");
        f.accept("{\"@timestamp\":\"1733307330123\",\"timestamp\":\"other\",\"msg\":\"m\"}",
                "{\"ts\":1733307330123,\"message\":\"m\",\"attrs\":{\"index\":\"logs\",\"timestamp\":\"other\"}}");
        f.accept("{\"time\":1733307330,\"log\":\"from docker\"}",
                "{\"ts\":1733307330,\"message\":\"from docker\",\"attrs\":{\"index\":\"logs\"}}");
        f.accept("{\"message\":\"m\",\"log\":{\"level\":\"warning\"}}",
                "{\"message\":\"m\",\"level\":\"warn\",\"attrs\":{\"index\":\"logs\"}}");
        f.accept("{\"message\":\"m\",\"log.level\":\"err\"}", "{\"message\":\"m\",\"level\":\"error\",\"attrs\":{\"index\":\"logs\"}}");
        f.accept("{\"message\":\"m\",\"severity\":\"notice\"}", "{\"message\":\"m\",\"level\":\"info\",\"attrs\":{\"index\":\"logs\"}}");
        f.accept("{\"message\":\"m\",\"syslog\":{\"severity\":\"emerg\"}}",
                "{\"message\":\"m\",\"level\":\"fatal\",\"attrs\":{\"index\":\"logs\"}}");
        f.accept("{\"message\":\"m\",\"severity\":3}", "{\"message\":\"m\",\"level\":\"error\",\"attrs\":{\"index\":\"logs\"}}");
        f.accept("{\"message\":\"m\",\"level\":40}", "{\"message\":\"m\",\"level\":\"warn\",\"attrs\":{\"index\":\"logs\"}}");
        f.accept("{\"message\":\"m\",\"level\":\"loud\"}", "{\"message\":\"m\",\"attrs\":{\"index\":\"logs\",\"level\":\"loud\"}}");
        f.accept("{\"message\":\"m\",\"app\":\"a\",\"host\":{\"name\":\"h\"},\"service\":{\"name\":\"s\"}}",
                "{\"message\":\"m\",\"source\":\"s\",\"attrs\":{\"index\":\"logs\",\"app\":\"a\",\"host.name\":\"h\"}}");
        f.accept("{\"message\":\"m\",\"programname\":\"cron\",\"hostname\":\"h\"}",
                "{\"message\":\"m\",\"source\":\"h\",\"attrs\":{\"index\":\"logs\",\"programname\":\"cron\"}}");
        f.accept("{\"message\":\"m\",\"trace\":{\"id\":\"t\"},\"span\":{\"id\":\"s\"},\"user\":{\"id\":\"u\",\"name\":\"n\"}}",
                "{\"message\":\"m\",\"traceId\":\"t\",\"userId\":\"u\",\"attrs\":{\"index\":\"logs\",\"span.id\":\"s\",\"user.name\":\"n\"}}");
        f.accept("{\"message\":\"m\",\"trace_id\":\"t\",\"error\":{\"stack_trace\":\"st\",\"type\":\"E\"}}",
                "{\"message\":\"m\",\"traceId\":\"t\",\"stack\":\"st\",\"attrs\":{\"index\":\"logs\",\"error.type\":\"E\"}}");
        f.accept("{\"message\":\"m\",\"n\":1.5,\"ok\":false,\"tags\":[\"a\",\"b\"],\"empty\":{},\"gone\":null}",
                "{\"message\":\"m\",\"attrs\":{\"index\":\"logs\",\"n\":1.5,\"ok\":false,\"tags\":\"[\\\"a\\\",\\\"b\\\"]\",\"empty\":\"{}\"}}");
        f.accept("{\"event\":\"no message\",\"n\":1}",
                "{\"message\":\"{\\\"event\\\":\\\"no message\\\",\\\"n\\\":1}\",\"attrs\":{\"index\":\"logs\",\"event\":\"no message\",\"n\":1}}");
    }

    @Test
    void attrsAreFittedIntoTheLimitsRatherThanRefused() {
        StringBuilder many = new StringBuilder("{\"message\":\"m\"");
        for (int i = 0; i < 150; i++) {
            many.append(",\"f").append(i).append("\":").append(i);
        }
        many.append(",\"").append("k".repeat(200)).append("\":1,\"long\":\"").append("v".repeat(5000)).append("\"}");
        ObjectNode attrs = (ObjectNode) map(many.toString()).get("attrs");
        assertEquals(IngestLimits.MAX_ATTRS, attrs.size());
        assertEquals(150 + 2 - 98, attrs.get(BulkDocumentMapper.DROPPED_ATTR).asInt(), attrs.toString());
        ObjectNode longValue = map("{\"message\":\"m\",\"long\":\"" + "é".repeat(5000) + "\"}");
        String cut = longValue.get("attrs").get("long").asText();
        assertTrue(cut.length() <= IngestLimits.MAX_ATTR_VALUE_CHARS, "cut to " + cut.length());
        String huge = "{\"blob\":\"" + "x".repeat(40_000) + "\"}";
        assertTrue(map(huge).get("message").asText().getBytes(StandardCharsets.UTF_8).length <= IngestLimits.MAX_MESSAGE_BYTES);
    }

    @Test
    void readsActionDocumentPairs() {
        List<BulkAction> actions = BulkBody.parse("""
                {"index":{"_index":"a","_id":"1"}}
                {"message":"one"}

                {"create":{}}
                {"message":"two"}
                {"delete":{"_index":"a","_id":"1"}}
                {"update":{"_id":"2"}}
                {"doc":{}}
                {"index":{}}
                [1,2]""".getBytes(StandardCharsets.UTF_8), "fromPath");
        assertEquals(List.of("index", "create", "delete", "update", "index"), actions.stream().map(BulkAction::type).toList());
        assertEquals(List.of("a", "fromPath", "a", "fromPath", "fromPath"), actions.stream().map(BulkAction::index).toList());
        assertEquals("1", actions.get(0).id());
        assertEquals("two", actions.get(1).document().get("message").asText());
        assertTrue(actions.get(4).documentError().contains("not a JSON object"), actions.get(4).toString());
        BiConsumer<String, String> refused = (body, reason) -> {
            BulkFormatException e = assertThrows(BulkFormatException.class,
                    () -> BulkBody.parse(body.getBytes(StandardCharsets.UTF_8), null), body);
            assertTrue(e.getMessage().contains(reason), e.getMessage());
        };
        refused.accept("nope", "line [1]: not JSON");
        refused.accept("{\"index\":{}}\n{}\n{\"index\":{},\"create\":{}}", "line [3], expected one of [create, delete, index, update] but found [index, create]");
        refused.accept("[]", "but found [array]");
        refused.accept("{\"index\":\"x\"}\n{}", "expected an object after [index]");
        refused.accept("{\"create\":{}}", "no document line");
    }
}
