package io.larch.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.bench.BenchHttp;
import io.larch.bench.LarchProcess;
import io.larch.model.EventId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Larch from larch.jar, through its HTTP API; a dataset is a project. */
final class LarchPeer implements PeerSystem {
    private final LarchProcess process;
    private final BenchHttp http;
    private final Map<String, String> keys = new HashMap<>();

    LarchPeer(Path jar, Path dataDir) throws Exception {
        this.process = LarchProcess.start(jar, dataDir, Map.of());
        this.http = new BenchHttp(process.url());
    }

    @Override
    public String name() {
        return "larch";
    }

    @Override
    public void createDataset(String dataset) throws Exception {
        keys.put(dataset, http.postJson("/admin/projects", LarchProcess.ADMIN_TOKEN,
                "{\"name\":\"" + dataset + "\"}").get("key").asText());
    }

    @Override
    public Object prepareBatch(String dataset, List<String> eventsJson) {
        return ("{\"events\":[" + String.join(",", eventsJson) + "]}").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void send(String dataset, Object preparedBatch) throws Exception {
        http.post("/api/log", keys.get(dataset), (byte[]) preparedBatch);
    }

    @Override
    public void settle(String dataset) throws Exception {
        http.postJson("/admin/maintain", LarchProcess.ADMIN_TOKEN, "");
    }

    @Override
    public long diskBytes(String dataset) throws Exception {
        for (JsonNode project : http.get("/admin/storage", LarchProcess.ADMIN_TOKEN, Map.of()).get("projects")) {
            if (project.get("project").asText().equals(dataset)) {
                return project.get("bytes").asLong();
            }
        }
        return 0;
    }

    @Override
    public String query(String dataset, SuiteQuery q) throws Exception {
        String key = keys.get(dataset);
        String from = Instant.ofEpochMilli(q.fromMillis()).toString();
        String to = Instant.ofEpochMilli(q.toMillis()).toString();
        return switch (q.kind()) {
            case LATEST_WITH_WORD -> http.get("/api/log", key, Map.of("q", q.text(), "limit", "100")).get("events").size() + " events";
            case LATEST_FOR_USER -> http.get("/api/log", key, Map.of("q", "user:" + q.text(), "limit", "100")).get("events").size() + " events";
            case WORK_LOG_LATEST -> http.get("/api/log", key, Map.of("q", "user:" + q.user() + " conversation:" + q.conversation(),
                    "limit", "50")).get("events").size() + " events";
            case FEED_AFTER -> http.get("/api/log", key, Map.of("q", "user:" + q.text(), "limit", "100",
                    "after", EventId.format(EventId.pack(q.fromMillis(), 0, 0)))).get("events").size() + " events";
            case ERROR_COUNT -> http.get("/api/log/stats", key, Map.of("level", "error", "from", from, "to", to)).get("total").asLong() + " events";
            case TOP_FINGERPRINTS -> {
                JsonNode top = http.get("/api/log/top", key, Map.of("field", "fingerprint", "limit", "10", "from", from, "to", to));
                yield "top count " + top.get("values").get(0).get("count").asLong();
            }
            case MINUTE_HISTOGRAM -> {
                long sum = 0;
                JsonNode buckets = http.get("/api/log/histogram", key, Map.of("interval", "1m", "from", from, "to", to)).get("buckets");
                for (JsonNode bucket : buckets) {
                    sum += bucket.get("count").asLong();
                }
                yield sum + " events";
            }
        };
    }

    @Override
    public void close() throws Exception {
        process.close();
    }
}
