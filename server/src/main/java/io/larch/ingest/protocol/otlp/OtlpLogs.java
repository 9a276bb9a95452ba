package io.larch.ingest.protocol.otlp;

import io.larch.ingest.IngestLimits;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * OTLP/HTTP logs on the wire: decodes an {@code ExportLogsServiceRequest} (binary protobuf or
 * OTLP/JSON) into Larch events, and encodes the answers, in the request's encoding. Pure: bytes
 * in, events or bytes out.
 */
public final class OtlpLogs {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** OTLP/JSON receivers must ignore fields they do not know (newer senders add some). */
    private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser().ignoringUnknownFields();
    /** google.rpc.Code INVALID_ARGUMENT, the code of a 400 in OTLP's error body. */
    public static final int CODE_INVALID_ARGUMENT = 3;

    private OtlpLogs() {
    }

    /** The events of an export request; throws with what was wrong when the body is not one. */
    public static OtlpLogBatch decode(byte[] body, OtlpEncoding encoding) throws OtlpDecodeException {
        ExportLogsServiceRequest request = switch (encoding) {
            case PROTOBUF -> parseProtobuf(body);
            case JSON -> parseJson(body);
        };
        long records = request.getResourceLogsList().stream().flatMap(resource -> resource.getScopeLogsList().stream())
                .mapToLong(scope -> scope.getLogRecordsCount()).sum();
        if (records > IngestLimits.MAX_PROTOCOL_RECORDS) {
            throw IngestLimits.tooManyRecords("log records");
        }
        return OtlpLogMapper.map(request);
    }

    private static ExportLogsServiceRequest parseProtobuf(byte[] body) throws OtlpDecodeException {
        try {
            if (countRecords(body) > IngestLimits.MAX_PROTOCOL_RECORDS) {
                throw IngestLimits.tooManyRecords("log records");
            }
            return ExportLogsServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new OtlpDecodeException("body is not a protobuf ExportLogsServiceRequest: " + e.getMessage());
        }
    }

    /**
     * The log records of an ExportLogsServiceRequest, counted by walking its tags without building
     * them: resource_logs (1) > scope_logs (2) > log_records (2).
     */
    public static long countRecords(byte[] body) throws com.google.protobuf.InvalidProtocolBufferException {
        try {
            com.google.protobuf.CodedInputStream request = com.google.protobuf.CodedInputStream.newInstance(body);
            long records = 0;
            for (int tag = request.readTag(); tag != 0; tag = request.readTag()) {
                if (tag != ((1 << 3) | 2)) {
                    request.skipField(tag);
                    continue;
                }
                int resourceEnd = request.pushLimit(request.readRawVarint32());
                for (int inner = request.readTag(); inner != 0; inner = request.readTag()) {
                    if (inner != ((2 << 3) | 2)) {
                        request.skipField(inner);
                        continue;
                    }
                    int scopeEnd = request.pushLimit(request.readRawVarint32());
                    for (int field = request.readTag(); field != 0; field = request.readTag()) {
                        if (field == ((2 << 3) | 2)) {
                            records++;
                        }
                        request.skipField(field);
                    }
                    request.popLimit(scopeEnd);
                }
                request.popLimit(resourceEnd);
            }
            return records;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new com.google.protobuf.InvalidProtocolBufferException(e.getMessage());
        }
    }

    /**
     * OTLP/JSON is the proto3 JSON mapping except that trace and span ids are hex, not base64: they
     * are rewritten to base64 before the standard parser reads the tree (a 32-digit hex id is
     * also valid base64, so leaving it would silently yield a wrong id).
     */
    private static ExportLogsServiceRequest parseJson(byte[] body) throws OtlpDecodeException {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new OtlpDecodeException("body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new OtlpDecodeException("body is not JSON: " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new OtlpDecodeException("body must be a JSON object with \"resourceLogs\"");
        }
        for (JsonNode resourceLogs : tree.path("resourceLogs")) {
            for (JsonNode scopeLogs : resourceLogs.path("scopeLogs")) {
                for (JsonNode record : scopeLogs.path("logRecords")) {
                    if (record instanceof ObjectNode object) {
                        hexToBase64(object, "traceId", 16);
                        hexToBase64(object, "spanId", 8);
                    }
                }
            }
        }
        ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
        try {
            JSON_PARSER.merge(JSON.writeValueAsString(tree), request);
        } catch (InvalidProtocolBufferException e) {
            throw new OtlpDecodeException("body is not an OTLP/JSON ExportLogsServiceRequest: " + e.getMessage());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        return request.build();
    }

    private static void hexToBase64(ObjectNode record, String field, int bytes) throws OtlpDecodeException {
        JsonNode value = record.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        String hex = value.asText();
        if (hex.isEmpty()) {
            record.remove(field);
            return;
        }
        if (!value.isTextual() || hex.length() != bytes * 2 || !hex.chars().allMatch(HexFormat::isHexDigit)) {
            throw new OtlpDecodeException("log record " + field + " must be " + (bytes * 2)
                    + " hex digits, got '" + abbreviate(hex) + "'");
        }
        record.put(field, Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex)));
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    /**
     * The 200 answer: an empty {@code ExportLogsServiceResponse} when everything was taken, else
     * one with a partial success (the count of records refused, and why; a refused count of 0 with
     * a message is OTLP's way to warn).
     */
    public static byte[] response(long rejectedLogRecords, String errorMessage, OtlpEncoding encoding) {
        ExportLogsServiceResponse.Builder response = ExportLogsServiceResponse.newBuilder();
        if (rejectedLogRecords > 0 || errorMessage != null) {
            response.setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(rejectedLogRecords)
                    .setErrorMessage(errorMessage == null ? "" : errorMessage));
        }
        if (encoding == OtlpEncoding.PROTOBUF) {
            return response.build().toByteArray();
        }
        // By hand rather than JsonFormat, which would write the count as a string ("1").
        ObjectNode json = JSON.createObjectNode();
        if (response.hasPartialSuccess()) {
            ObjectNode partial = json.putObject("partialSuccess");
            partial.put("rejectedLogRecords", rejectedLogRecords);
            partial.put("errorMessage", errorMessage == null ? "" : errorMessage);
        }
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An error body shaped as {@code google.rpc.Status} (code and message), which OTLP clients read on a 4xx/5xx. */
    public static byte[] status(int code, String message, OtlpEncoding encoding) {
        if (encoding == OtlpEncoding.JSON) {
            ObjectNode json = JSON.createObjectNode();
            json.put("code", code);
            json.put("message", message);
            return json.toString().getBytes(StandardCharsets.UTF_8);
        }
        // Status is two fields (1: int32 code, 2: string message); its class lives in another artifact.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            out.writeInt32(1, code);
            out.writeString(2, message);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
