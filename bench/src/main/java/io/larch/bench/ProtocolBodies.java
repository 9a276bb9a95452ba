package io.larch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same generated batch in each shipper's wire format, as the shippers send it: what
 * {@code bench protocols} posts. Each body holds exactly the batch's events, so events/s compare.
 */
final class ProtocolBodies {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request: where it goes, its content type and extra headers, and its body. */
    record Request(String path, String contentType, byte[] body, List<String> headers) {
    }

    private ProtocolBodies() {
    }

    /** The events of a native batch ({"events":[...]}), as JSON objects. */
    static List<JsonNode> events(String nativeBatch) {
        try {
            return List.copyOf(JSON.readTree(nativeBatch).get("events").valueStream().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Request nativeJson(String batch) {
        return new Request("/api/log", "application/json", batch.getBytes(StandardCharsets.UTF_8), List.of());
    }

    /** OTLP/HTTP JSON: one resource per source (service.name), records with severity, body and attributes. */
    static Request otlpJson(List<JsonNode> events) {
        Map<String, ArrayNode> recordsBySource = new LinkedHashMap<>();
        for (JsonNode event : events) {
            ObjectNode record = JSON.createObjectNode();
            record.put("timeUnixNano", Long.toString(epochMillis(event) * 1_000_000L));
            String level = event.path("level").asText("info");
            record.put("severityText", level.toUpperCase(java.util.Locale.ROOT));
            record.put("severityNumber", severityNumber(level));
            record.putObject("body").put("stringValue", event.path("message").asText());
            ArrayNode attributes = record.putArray("attributes");
            event.path("attrs").properties().forEach(attr -> {
                ObjectNode kv = attributes.addObject();
                kv.put("key", attr.getKey());
                kv.putObject("value").put("stringValue", attr.getValue().asText());
            });
            if (event.has("userId")) {
                ObjectNode kv = attributes.addObject();
                kv.put("key", "enduser.id");
                kv.putObject("value").put("stringValue", event.get("userId").asText());
            }
            recordsBySource.computeIfAbsent(event.path("source").asText("bench"), s -> JSON.createArrayNode()).add(record);
        }
        ObjectNode request = JSON.createObjectNode();
        ArrayNode resources = request.putArray("resourceLogs");
        recordsBySource.forEach((source, records) -> {
            ObjectNode resource = resources.addObject();
            ObjectNode serviceName = resource.putObject("resource").putArray("attributes").addObject();
            serviceName.put("key", "service.name");
            serviceName.putObject("value").put("stringValue", source);
            ObjectNode scope = resource.putArray("scopeLogs").addObject();
            scope.putObject("scope").put("name", "bench");
            scope.set("logRecords", records);
        });
        return new Request("/v1/logs", "application/json", bytes(request), List.of());
    }

    /** OTLP/HTTP protobuf, as the OpenTelemetry SDKs export by default: the same records as {@link #otlpJson}. */
    static Request otlpProtobuf(List<JsonNode> events) {
        Map<String, io.opentelemetry.proto.logs.v1.ScopeLogs.Builder> scopes = new LinkedHashMap<>();
        for (JsonNode event : events) {
            String level = event.path("level").asText("info");
            io.opentelemetry.proto.logs.v1.LogRecord.Builder record = io.opentelemetry.proto.logs.v1.LogRecord.newBuilder()
                    .setTimeUnixNano(epochMillis(event) * 1_000_000L)
                    .setSeverityText(level.toUpperCase(java.util.Locale.ROOT))
                    .setSeverityNumberValue(severityNumber(level))
                    .setBody(stringValue(event.path("message").asText()));
            event.path("attrs").properties().forEach(attr -> record.addAttributes(
                    keyValue(attr.getKey(), attr.getValue().asText())));
            if (event.has("userId")) {
                record.addAttributes(keyValue("enduser.id", event.get("userId").asText()));
            }
            scopes.computeIfAbsent(event.path("source").asText("bench"), source -> io.opentelemetry.proto.logs.v1.ScopeLogs
                    .newBuilder().setScope(io.opentelemetry.proto.common.v1.InstrumentationScope.newBuilder().setName("bench")))
                    .addLogRecords(record);
        }
        io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.Builder request =
                io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest.newBuilder();
        scopes.forEach((source, scope) -> request.addResourceLogs(io.opentelemetry.proto.logs.v1.ResourceLogs.newBuilder()
                .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(keyValue("service.name", source)))
                .addScopeLogs(scope)));
        return new Request("/v1/logs", "application/x-protobuf", request.build().toByteArray(), List.of());
    }

    private static io.opentelemetry.proto.common.v1.AnyValue stringValue(String text) {
        return io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(text).build();
    }

    private static io.opentelemetry.proto.common.v1.KeyValue keyValue(String key, String value) {
        return io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey(key).setValue(stringValue(value)).build();
    }

    /** Loki push JSON: one stream per (source, level), values of [ns timestamp, line]. */
    static Request lokiJson(List<JsonNode> events) {
        Map<String, ObjectNode> streams = new LinkedHashMap<>();
        for (JsonNode event : events) {
            String source = event.path("source").asText("bench");
            String level = event.path("level").asText("info");
            ObjectNode stream = streams.computeIfAbsent(source + "\u0000" + level, key -> {
                ObjectNode created = JSON.createObjectNode();
                created.putObject("stream").put("service_name", source).put("level", level);
                created.putArray("values");
                return created;
            });
            ArrayNode value = ((ArrayNode) stream.get("values")).addArray();
            value.add(Long.toString(epochMillis(event) * 1_000_000L));
            value.add(event.path("message").asText());
            // The attrs and user id ride as structured metadata, so Loki carries what the others do.
            value.add(JSON.valueToTree(metadata(event)));
        }
        ObjectNode request = JSON.createObjectNode();
        request.putArray("streams").addAll(streams.values());
        return new Request("/loki/api/v1/push", "application/json", bytes(request), List.of());
    }

    /**
     * Loki push protobuf as loki4j and Promtail send it: a {@code logproto.PushRequest} (one stream
     * per source and level), snappy block-compressed.
     */
    static Request lokiProtobuf(List<JsonNode> events) {
        Map<String, List<JsonNode>> streams = new LinkedHashMap<>();
        for (JsonNode event : events) {
            String labels = "{service_name=\"" + event.path("source").asText("bench") + "\", level=\""
                    + event.path("level").asText("info") + "\"}";
            streams.computeIfAbsent(labels, key -> new java.util.ArrayList<>()).add(event);
        }
        try {
            ByteArrayOutputStream request = new ByteArrayOutputStream(events.size() * 300);
            com.google.protobuf.CodedOutputStream push = com.google.protobuf.CodedOutputStream.newInstance(request);
            for (Map.Entry<String, List<JsonNode>> stream : streams.entrySet()) {
                ByteArrayOutputStream streamBytes = new ByteArrayOutputStream();
                com.google.protobuf.CodedOutputStream streamOut = com.google.protobuf.CodedOutputStream.newInstance(streamBytes);
                streamOut.writeString(1, stream.getKey());
                for (JsonNode event : stream.getValue()) {
                    long millis = epochMillis(event);
                    ByteArrayOutputStream timestamp = new ByteArrayOutputStream();
                    com.google.protobuf.CodedOutputStream timestampOut = com.google.protobuf.CodedOutputStream.newInstance(timestamp);
                    timestampOut.writeInt64(1, millis / 1000);
                    timestampOut.writeInt32(2, (int) (millis % 1000) * 1_000_000);
                    timestampOut.flush();
                    ByteArrayOutputStream entry = new ByteArrayOutputStream();
                    com.google.protobuf.CodedOutputStream entryOut = com.google.protobuf.CodedOutputStream.newInstance(entry);
                    entryOut.writeByteArray(1, timestamp.toByteArray());
                    entryOut.writeString(2, event.path("message").asText());
                    for (Map.Entry<String, String> pair : metadata(event).entrySet()) {
                        ByteArrayOutputStream label = new ByteArrayOutputStream();
                        com.google.protobuf.CodedOutputStream labelOut = com.google.protobuf.CodedOutputStream.newInstance(label);
                        labelOut.writeString(1, pair.getKey());
                        labelOut.writeString(2, pair.getValue());
                        labelOut.flush();
                        entryOut.writeByteArray(3, label.toByteArray());
                    }
                    entryOut.flush();
                    streamOut.writeByteArray(2, entry.toByteArray());
                }
                streamOut.flush();
                push.writeByteArray(1, streamBytes.toByteArray());
            }
            push.flush();
            return new Request("/loki/api/v1/push", "application/x-protobuf",
                    org.xerial.snappy.Snappy.compress(request.toByteArray()), List.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An event's attrs and user id as Loki structured metadata. */
    private static Map<String, String> metadata(JsonNode event) {
        Map<String, String> metadata = new LinkedHashMap<>();
        event.path("attrs").properties().forEach(attr -> metadata.put(attr.getKey(), attr.getValue().asText()));
        if (event.has("userId")) {
            metadata.put("user_id", event.get("userId").asText());
        }
        return metadata;
    }

    /** Elasticsearch bulk NDJSON, as Fluent Bit's es output writes it: an index action, then the document. */
    static Request elasticsearchBulk(List<JsonNode> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(events.size() * 512);
        for (JsonNode event : events) {
            ObjectNode document = JSON.createObjectNode();
            document.put("@timestamp", Instant.ofEpochMilli(epochMillis(event)).toString());
            document.put("message", event.path("message").asText());
            document.put("level", event.path("level").asText("info"));
            document.put("service.name", event.path("source").asText("bench"));
            event.path("attrs").properties().forEach(attr -> document.put(attr.getKey(), attr.getValue().asText()));
            write(out, "{\"index\":{\"_index\":\"bench\"}}\n".getBytes(StandardCharsets.UTF_8));
            write(out, bytes(document));
            out.write('\n');
        }
        return new Request("/_bulk", "application/x-ndjson", out.toByteArray(), List.of());
    }

    /** The drain secret {@code bench protocols} sets on its project for the Vercel drain. */
    static final String VERCEL_DRAIN_SECRET = "bench-vercel-drain-secret";

    /** A Vercel log drain body (NDJSON of lambda entries), signed as Vercel signs it: hex HMAC-SHA1 of the body. */
    static Request vercelDrain(List<JsonNode> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(events.size() * 400);
        int n = 0;
        for (JsonNode event : events) {
            ObjectNode entry = JSON.createObjectNode();
            entry.put("id", "bench-" + (n++));
            entry.put("message", event.path("message").asText());
            entry.put("timestamp", epochMillis(event));
            entry.put("source", "lambda");
            entry.put("projectId", "prj_bench");
            entry.put("deploymentId", "dpl_bench");
            entry.put("host", "bench.vercel.app");
            entry.put("path", "/api/" + event.path("source").asText("bench"));
            entry.put("statusCode", event.path("level").asText().equals("error") ? 500 : 200);
            entry.put("level", event.path("level").asText("info"));
            write(out, bytes(entry));
            out.write('\n');
        }
        byte[] body = out.toByteArray();
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
            mac.init(new javax.crypto.spec.SecretKeySpec(VERCEL_DRAIN_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            String signature = java.util.HexFormat.of().formatHex(mac.doFinal(body));
            return new Request("/ingest/vercel", "application/x-ndjson", body, List.of("x-vercel-signature", signature));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static long epochMillis(JsonNode event) {
        JsonNode ts = event.path("ts");
        return ts.isNumber() ? ts.asLong() : ts.isTextual() ? Instant.parse(ts.asText()).toEpochMilli() : System.currentTimeMillis();
    }

    static int severityNumber(String level) {
        return switch (level) {
            case "trace" -> 1;
            case "debug" -> 5;
            case "warn" -> 13;
            case "error" -> 17;
            case "fatal" -> 21;
            default -> 9;
        };
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(ByteArrayOutputStream out, byte[] bytes) {
        out.write(bytes, 0, bytes.length);
    }
}
