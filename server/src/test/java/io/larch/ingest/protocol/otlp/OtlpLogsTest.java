package io.larch.ingest.protocol.otlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** The mapping of one log record onto a Larch event, case by case. */
class OtlpLogsTest {
    private static AnyValue text(String value) {
        return AnyValue.newBuilder().setStringValue(value).build();
    }

    private static KeyValue attr(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    private static AnyValue map(KeyValue... entries) {
        return AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addAllValues(List.of(entries))).build();
    }

    /** The one event of a request holding {@code record} under a resource and a scope with the given attributes. */
    private static ObjectNode event(LogRecord record, List<KeyValue> resourceAttrs, List<KeyValue> scopeAttrs) throws OtlpDecodeException {
        ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
                .setResource(Resource.newBuilder().addAllAttributes(resourceAttrs))
                .addScopeLogs(ScopeLogs.newBuilder().setScope(InstrumentationScope.newBuilder().addAllAttributes(scopeAttrs))
                        .addLogRecords(record))).build();
        List<ObjectNode> events = OtlpLogs.decode(request.toByteArray(), OtlpEncoding.PROTOBUF).events();
        assertEquals(1, events.size());
        return events.getFirst();
    }

    private static ObjectNode event(LogRecord record) throws OtlpDecodeException {
        return event(record, List.of(), List.of());
    }

    @Test
    void severityNumberThenTextNamesTheLevel() throws OtlpDecodeException {
        BiConsumer<LogRecord, String> f = (record, want) -> {
            try {
                assertEquals(want, event(record.toBuilder().setBody(text("m")).build()).get("level").asText(), record.toString());
            } catch (OtlpDecodeException e) {
                throw new AssertionError(e);
            }
        };
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(1).build(), "trace");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(4).build(), "trace");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(5).build(), "debug");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(8).build(), "debug");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(9).build(), "info");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(12).build(), "info");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(13).build(), "warn");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(16).build(), "warn");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(17).build(), "error");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(20).build(), "error");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(21).build(), "fatal");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(24).build(), "fatal");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(17).setSeverityText("debug").build(), "error");
        f.accept(LogRecord.newBuilder().setSeverityText("WARNING").build(), "warn");
        f.accept(LogRecord.newBuilder().setSeverityText("Information").build(), "info");
        f.accept(LogRecord.newBuilder().setSeverityText("CRITICAL").build(), "fatal");
        f.accept(LogRecord.newBuilder().setSeverityText("AUDIT").build(), "info");
        f.accept(LogRecord.newBuilder().setSeverityNumberValue(99).setSeverityText("error").build(), "error");
        f.accept(LogRecord.newBuilder().build(), "info");
        assertEquals("AUDIT", event(LogRecord.newBuilder().setSeverityText("AUDIT").setBody(text("m")).build())
                .get("attrs").get("severityText").asText(), "a severity Larch cannot name is kept");
    }

    @Test
    void bodiesBecomeMessages() throws OtlpDecodeException {
        assertEquals("plain", event(LogRecord.newBuilder().setBody(text("plain")).build()).get("message").asText());
        assertEquals("{\"a\":1,\"b\":[true,\"x\"]}", event(LogRecord.newBuilder().setBody(map(
                attr("a", AnyValue.newBuilder().setIntValue(1).build()),
                attr("b", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setBoolValue(true)).addValues(text("x"))).build()))).build())
                .get("message").asText());
        assertEquals("42", event(LogRecord.newBuilder().setBody(AnyValue.newBuilder().setIntValue(42)).build())
                .get("message").asText());
        assertEquals("user.login", event(LogRecord.newBuilder().setEventName("user.login").build()).get("message").asText());
        assertEquals("(empty log record)", event(LogRecord.newBuilder().setBody(text("  ")).build()).get("message").asText());
    }

    @Test
    void timeFallsBackToObservedTimeThenToTheReceiveTime() throws OtlpDecodeException {
        assertEquals(1544712660300L, event(LogRecord.newBuilder().setTimeUnixNano(1544712660300123456L)
                .setObservedTimeUnixNano(1544712669000000000L).setBody(text("m")).build()).get("ts").asLong());
        assertEquals(1544712669000L, event(LogRecord.newBuilder().setObservedTimeUnixNano(1544712669000000000L)
                .setBody(text("m")).build()).get("ts").asLong());
        assertEquals(null, event(LogRecord.newBuilder().setBody(text("m")).build()).get("ts"),
                "no time: Larch stamps it on receipt");
    }

    @Test
    void recordAttributesWinOverScopeOverResourceAndWellKnownOnesBecomeFields() throws OtlpDecodeException {
        ObjectNode event = event(LogRecord.newBuilder().setBody(text("m"))
                        .addAttributes(attr("layer", text("record")))
                        .addAttributes(attr("exception.stacktrace", text("trace\n\tat x")))
                        .addAttributes(attr("user.id", text("u-1")))
                        .addAttributes(attr("http", map(attr("request", map(attr("method", text("GET"))))))).build(),
                List.of(attr("service.name", text("api")), attr("layer", text("resource")), attr("region", text("eu"))),
                List.of(attr("layer", text("scope")), attr("scope.only", text("s"))));
        assertEquals("api", event.get("source").asText());
        assertEquals("trace\n\tat x", event.get("stack").asText());
        assertEquals("u-1", event.get("userId").asText());
        ObjectNode attrs = (ObjectNode) event.get("attrs");
        assertEquals("record", attrs.get("layer").asText());
        assertEquals("GET", attrs.get("http.request.method").asText());
        assertEquals("eu", attrs.get("region").asText());
        assertEquals("s", attrs.get("scope.only").asText());
        assertEquals(4, attrs.size(), attrs.toString());

        ObjectNode scoped = event(LogRecord.newBuilder().setBody(text("m")).build(), List.of(),
                List.of(attr("layer", text("scope"))));
        assertEquals("scope", scoped.get("attrs").get("layer").asText());
    }

    @Test
    void longValuesAreShortenedAndExtraAttributesCounted() throws OtlpDecodeException {
        LogRecord.Builder record = LogRecord.newBuilder().setBody(text("m")).addAttributes(attr("long", text("v".repeat(5000))));
        for (int i = 0; i < 120; i++) {
            record.addAttributes(attr("a" + i, AnyValue.newBuilder().setIntValue(i).build()));
        }
        ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
                .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(record))).build();
        OtlpLogBatch batch = OtlpLogs.decode(request.toByteArray(), OtlpEncoding.PROTOBUF);
        ObjectNode attrs = (ObjectNode) batch.events().getFirst().get("attrs");
        assertEquals(4096, attrs.get("long").asText().length());
        assertEquals(100, attrs.size());
        assertEquals(21, batch.droppedAttributes());
        assertEquals(98, attrs.get("a98").asLong(), "numbers stay numbers");
    }

    @Test
    void jsonIdsAreHexAndInvalidBodiesSayWhy() {
        f("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"spanId\":\"0102\"}]}]}]}",
                "log record spanId must be 16 hex digits, got '0102'");
        f("[1,2]", "body must be a JSON object with \"resourceLogs\"");
        f("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"soon\"}]}]}]}",
                "body is not an OTLP/JSON ExportLogsServiceRequest");
    }

    private static void f(String json, String wantPrefix) {
        OtlpDecodeException e = assertThrows(OtlpDecodeException.class,
                () -> OtlpLogs.decode(json.getBytes(StandardCharsets.UTF_8), OtlpEncoding.JSON));
        assertEquals(wantPrefix, e.getMessage().substring(0, Math.min(e.getMessage().length(), wantPrefix.length())), e.getMessage());
    }

    @Test
    void answersAreEmptyWhenAllWasTakenAndCarryThePartialSuccessOtherwise() throws Exception {
        assertEquals(0, OtlpLogs.response(0, null, OtlpEncoding.PROTOBUF).length);
        assertEquals("{}", new String(OtlpLogs.response(0, null, OtlpEncoding.JSON), StandardCharsets.UTF_8));
        ExportLogsServiceResponse partial = ExportLogsServiceResponse.parseFrom(OtlpLogs.response(2, "why", OtlpEncoding.PROTOBUF));
        assertEquals(2, partial.getPartialSuccess().getRejectedLogRecords());
        assertEquals("why", partial.getPartialSuccess().getErrorMessage());
        assertEquals("{\"partialSuccess\":{\"rejectedLogRecords\":2,\"errorMessage\":\"why\"}}",
                new String(OtlpLogs.response(2, "why", OtlpEncoding.JSON), StandardCharsets.UTF_8));
        assertEquals("{\"code\":3,\"message\":\"bad\"}", new String(OtlpLogs.status(3, "bad", OtlpEncoding.JSON), StandardCharsets.UTF_8));
    }

    @Test
    void contentTypesAreReadWithoutTheirParameters() {
        assertEquals(OtlpEncoding.PROTOBUF, OtlpEncoding.ofContentType("application/x-protobuf"));
        assertEquals(OtlpEncoding.JSON, OtlpEncoding.ofContentType("Application/JSON; charset=utf-8"));
        assertEquals(null, OtlpEncoding.ofContentType("text/plain"));
        assertEquals(null, OtlpEncoding.ofContentType(null));
    }
}
