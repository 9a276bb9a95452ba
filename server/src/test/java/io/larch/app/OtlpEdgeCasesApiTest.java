package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTLP/HTTP edge cases with hand-made bodies (built with OTLP's own protos or written as the OTLP
 * spec's JSON examples): partial success, attribute limits, OTLP/JSON, and every refusal with a
 * clear 4xx. The real SDK's path is {@link OtlpApiTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtlpEdgeCasesApiTest {
    private TestServer server;
    private HttpJson http;
    private String key;

    @BeforeAll
    void start(@TempDir Path dataDir) {
        server = TestServer.start(dataDir);
        http = server.http();
        key = server.createProject("Shop");
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private static KeyValue attr(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static LogRecord record(String body) {
        return LogRecord.newBuilder().setSeverityNumberValue(9).setBody(AnyValue.newBuilder().setStringValue(body)).build();
    }

    private static ExportLogsServiceRequest request(String service, LogRecord... records) {
        ScopeLogs.Builder scope = ScopeLogs.newBuilder();
        for (LogRecord record : records) {
            scope.addLogRecords(record);
        }
        return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attr("service.name", service))).addScopeLogs(scope)).build();
    }

    private HttpJson.Response postProtobuf(ExportLogsServiceRequest request) {
        return http.post("/v1/logs", key, "application/x-protobuf", request.toByteArray());
    }

    private HttpJson.Response postJson(String json) {
        return http.post("/v1/logs", key, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private JsonNode searchOne(String query) {
        JsonNode events = http.get("/api/log", key, Map.of("q", query)).json().get("events");
        assertEquals(1, events.size(), "events for '" + query + "': " + events);
        return events.get(0);
    }

    /** The message of a google.rpc.Status in protobuf (field 2). */
    private static String statusMessage(byte[] body) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(body);
        String message = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == (2 << 3 | 2)) {
                message = in.readString();
            } else {
                in.skipField(tag);
            }
        }
        return message;
    }

    @Test
    void aRecordWhoseMessageIsTooLongIsCountedAsRejectedAndTheRestIsStored() throws IOException {
        HttpJson.Response response = postProtobuf(request("billing", record("x".repeat(40 * 1024)),
                record("kept partialcase")));
        assertEquals(200, response.status(), response.body());
        assertEquals("application/x-protobuf", response.header("Content-Type"));
        ExportLogsServiceResponse answer = ExportLogsServiceResponse.parseFrom(response.raw().body());
        assertEquals(1, answer.getPartialSuccess().getRejectedLogRecords());
        assertTrue(answer.getPartialSuccess().getErrorMessage().contains("record 0"), answer.toString());
        assertTrue(answer.getPartialSuccess().getErrorMessage().contains("message"), answer.toString());
        assertEquals("billing", searchOne("partialcase").get("source").asText());
    }

    @Test
    void attributesBeyondTheLimitAreDroppedAndReportedWithoutRefusingTheRecord() throws IOException {
        LogRecord.Builder record = record("many attrs limitcase").toBuilder();
        for (int i = 0; i < 150; i++) {
            record.addAttributes(attr("a" + i, "v" + i));
        }
        record.addAttributes(attr("k".repeat(200), "key too long"));
        HttpJson.Response response = postProtobuf(request("billing", record.build()));
        assertEquals(200, response.status(), response.body());
        ExportLogsServiceResponse answer = ExportLogsServiceResponse.parseFrom(response.raw().body());
        assertEquals(0, answer.getPartialSuccess().getRejectedLogRecords());
        assertTrue(answer.getPartialSuccess().getErrorMessage().startsWith("51 attributes dropped"), answer.toString());
        JsonNode attrs = searchOne("limitcase").get("attrs");
        assertEquals(100, attrs.size(), attrs.toString());
        assertEquals("v0", attrs.get("a0").asText(), "the record's own attributes come first");
    }

    @Test
    void otlpJsonWithHexIdsStringNumbersAndStructuredValuesIsMapped() {
        // The shape of the OTLP spec's logs example: hex ids, int64 as strings, enums as numbers.
        HttpJson.Response response = postJson("""
                {"resourceLogs":[{"resource":{"attributes":[
                    {"key":"service.name","value":{"stringValue":"my.service"}}]},
                  "scopeLogs":[{"scope":{"name":"my.library","version":"1.0.0",
                      "attributes":[{"key":"my.scope.attribute","value":{"stringValue":"some scope attribute"}}]},
                    "logRecords":[{"timeUnixNano":"1544712660300000000","observedTimeUnixNano":"1544712660300000000",
                      "severityNumber":10,"severityText":"Information",
                      "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
                      "body":{"stringValue":"Example log record jsoncase"},
                      "attributes":[
                        {"key":"string.attribute","value":{"stringValue":"some string"}},
                        {"key":"int.attribute","value":{"intValue":"10"}},
                        {"key":"double.attribute","value":{"doubleValue":637.704}},
                        {"key":"array.attribute","value":{"arrayValue":{"values":[{"stringValue":"many"},{"intValue":2}]}}},
                        {"key":"map.attribute","value":{"kvlistValue":{"values":[
                          {"key":"some.map.key","value":{"stringValue":"some value"}}]}}},
                        {"key":"service.name","value":{"stringValue":"record.wins"}}],
                      "futureField":"ignored"},
                     {"timeUnixNano":1544712660400000000,"severityNumber":17,
                      "body":{"kvlistValue":{"values":[{"key":"event","value":{"stringValue":"jsonbodycase"}},
                        {"key":"count","value":{"intValue":"3"}}]}}}]}]}]}
                """);
        assertEquals(200, response.status(), response.body());
        assertEquals("application/json", response.header("Content-Type"));
        assertEquals("{}", response.body());
        JsonNode event = searchOne("jsoncase");
        assertEquals("info", event.get("level").asText());
        assertEquals("2018-12-13T14:51:00.300Z", event.get("ts").asText());
        assertEquals("5b8efff798038103d269b633813fc60c", event.get("traceId").asText());
        assertEquals("record.wins", event.get("source").asText(), "a record attribute wins over the resource's");
        JsonNode attrs = event.get("attrs");
        assertEquals("eee19b7ec3c1b174", attrs.get("spanId").asText());
        assertEquals("10", attrs.get("int.attribute").asText());
        assertEquals("637.704", attrs.get("double.attribute").asText());
        assertEquals("[\"many\",2]", attrs.get("array.attribute").asText());
        assertEquals("some value", attrs.get("map.attribute.some.map.key").asText());
        assertEquals("some scope attribute", attrs.get("my.scope.attribute").asText());
        assertEquals("my.library", attrs.get("otel.scope.name").asText());
        JsonNode structured = searchOne("jsonbodycase");
        assertEquals("error", structured.get("level").asText());
        assertEquals("{\"event\":\"jsonbodycase\",\"count\":3}", structured.get("message").asText());
    }

    @Test
    void jsonPartialSuccessCountsAsANumber() {
        HttpJson.Response response = postJson("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\""
                + "y".repeat(40 * 1024) + "\"}},{\"body\":{\"stringValue\":\"jsonpartialcase\"}}]}]}]}");
        assertEquals(200, response.status(), response.body());
        JsonNode partial = response.json().get("partialSuccess");
        assertEquals(1, partial.get("rejectedLogRecords").asInt(), response.body());
        assertTrue(partial.get("rejectedLogRecords").isNumber(), response.body());
        assertEquals(1, http.get("/api/log", key, Map.of("q", "jsonpartialcase")).json().get("events").size());
    }

    @Test
    void undecodableBodiesAre400WithAStatusNamingTheProblem() throws IOException {
        HttpJson.Response garbage = http.post("/v1/logs", key, "application/x-protobuf", new byte[] {(byte) 0xff, 0x01, 0x02});
        assertEquals(400, garbage.status(), garbage.body());
        assertEquals("application/x-protobuf", garbage.header("Content-Type"));
        assertTrue(statusMessage(garbage.raw().body()).startsWith("body is not a protobuf ExportLogsServiceRequest"),
                statusMessage(garbage.raw().body()));

        HttpJson.Response notJson = postJson("{\"resourceLogs\":[");
        assertEquals(400, notJson.status(), notJson.body());
        assertEquals(3, notJson.json().get("code").asInt());
        assertTrue(notJson.json().get("message").asText().startsWith("body is not JSON"), notJson.body());

        HttpJson.Response wrongShape = postJson("{\"resourceLogs\":{\"scopeLogs\":7}}");
        assertEquals(400, wrongShape.status(), wrongShape.body());
        assertTrue(wrongShape.json().get("message").asText().startsWith("body is not an OTLP/JSON"), wrongShape.body());

        HttpJson.Response badTraceId = postJson("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"xyz\","
                + "\"body\":{\"stringValue\":\"m\"}}]}]}]}");
        assertEquals(400, badTraceId.status(), badTraceId.body());
        assertEquals("log record traceId must be 32 hex digits, got 'xyz'", badTraceId.json().get("message").asText());

        HttpJson.Response notGzip = http.send(HttpRequest.newBuilder(http.uri("/v1/logs"))
                .header("Content-Type", "application/x-protobuf").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request("x", record("m")).toByteArray())), key);
        assertEquals(400, notGzip.status(), notGzip.body());
        assertTrue(statusMessage(notGzip.raw().body()).contains("not valid gzip"), notGzip.body());
    }

    @Test
    void aBodyOverTheLimitOnceDecompressedIs413TellingToLowerTheBatchSize() throws IOException {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
            gzip.write(new byte[17 * 1024 * 1024]);
        }
        HttpJson.Response response = http.send(HttpRequest.newBuilder(http.uri("/v1/logs"))
                .header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(compressed.toByteArray())), key);
        assertEquals(413, response.status(), response.body());
        assertEquals("the decompressed body is larger than 16 MB; lower the exporter's batch size",
                response.json().get("message").asText());
    }

    @Test
    void aSmallBodyOfTooManyRecordsIs413BeforeAnyEventIsBuilt() throws IOException {
        // 20,001 empty records gzip to a few hundred bytes; they are counted, never mapped.
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream scope = com.google.protobuf.CodedOutputStream.newInstance(raw);
        for (int i = 0; i < io.larch.ingest.IngestLimits.MAX_PROTOCOL_RECORDS + 1; i++) {
            scope.writeByteArray(2, new byte[0]);
        }
        scope.flush();
        ByteArrayOutputStream resource = new ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream resourceOut = com.google.protobuf.CodedOutputStream.newInstance(resource);
        resourceOut.writeByteArray(2, raw.toByteArray());
        resourceOut.flush();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream bodyOut = com.google.protobuf.CodedOutputStream.newInstance(body);
        bodyOut.writeByteArray(1, resource.toByteArray());
        bodyOut.flush();
        HttpJson.Response response = http.post("/v1/logs", key, "application/x-protobuf", body.toByteArray());
        assertEquals(413, response.status(), response.body());
        assertTrue(statusMessage(response.raw().body()).contains("lower the shipper's batch size"), response.body());
        assertEquals(io.larch.ingest.IngestLimits.MAX_PROTOCOL_RECORDS + 1L,
                io.larch.ingest.protocol.otlp.OtlpLogs.countRecords(body.toByteArray()));
    }

    @Test
    void anotherContentTypeIs415AndAWrongKey401() {
        HttpJson.Response text = http.post("/v1/logs", key, "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
        assertEquals(415, text.status(), text.body());
        assertTrue(text.json().get("message").asText().contains("application/x-protobuf or application/json"), text.body());

        HttpJson.Response unknownKey = http.post("/v1/logs", "larch_" + "x".repeat(43), "application/x-protobuf",
                request("x", record("m")).toByteArray());
        assertEquals(401, unknownKey.status(), unknownKey.body());
    }

    @Test
    void aRecordWithoutBodyOrIdsIsStillAnEvent() {
        LogRecord bare = LogRecord.newBuilder().setTraceId(ByteString.copyFrom(new byte[16]))
                .addAttributes(attr("marker", "barecase")).build();
        assertEquals(200, postProtobuf(request("bare", bare)).status());
        JsonNode event = http.get("/api/log", key, Map.of("q", "source:bare")).json().get("events").get(0);
        assertEquals("(empty log record)", event.get("message").asText());
        assertEquals("info", event.get("level").asText());
        assertTrue(event.get("traceId") == null, "an all-zero trace id is no trace id: " + event);
    }
}
