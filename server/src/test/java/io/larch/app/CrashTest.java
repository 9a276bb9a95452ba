package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.ChildLarch;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a Larch JVM with SIGKILL at random moments while several clients ingest (with small WAL
 * segments, so sealing is often in progress too). After each restart, every event that got a 202
 * must be found exactly once; events of batches that got no answer may be there, at most once,
 * and a batch (each mixes kinds) is there whole or not at all.
 */
class CrashTest {
    private static final int CLIENTS = 4;
    private static final int ROUNDS = 5;
    private static final int EVENTS_PER_BATCH = 20;
    private static final String[] KINDS = {"app", "work", "build"};

    @TempDir
    Path tmp;

    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final Set<String> unanswered = ConcurrentHashMap.newKeySet();

    @Test
    void everyAcknowledgedEventSurvivesSigkillExactlyOnce() throws Exception {
        Path dataDir = tmp.resolve("data");
        Map<String, String> env = Map.of("LARCH_WAL_DURABILITY", "fsync", "LARCH_WAL_SEGMENT_MAX_BYTES", "128KB");
        Random random = new Random(42);
        String key = null;
        for (int round = 0; round < ROUNDS; round++) {
            try (ChildLarch larch = ChildLarch.start(dataDir, env)) {
                if (key == null) {
                    key = larch.http().post("/admin/projects", TestServer.ADMIN_TOKEN, "{\"name\":\"crash\"}")
                            .json().get("key").asText();
                }
                verify(larch.http(), key, "after restart " + round);
                runClientsThenKill(larch, key, round, 300 + random.nextInt(1200));
            }
        }
        try (ChildLarch larch = ChildLarch.start(dataDir, env)) {
            verify(larch.http(), key, "final");
            assertEquals(200, larch.http().post("/admin/maintain", TestServer.ADMIN_TOKEN, "").status());
            verify(larch.http(), key, "final, after sealing everything");
            int exit = larch.stop();
            assertEquals(0, exit, "a graceful stop (SIGTERM) exits 0");
        }
        System.out.printf("crash test: %d events acknowledged, %d in batches without an answer, %d kills%n",
                acknowledged.size(), unanswered.size(), ROUNDS);
        System.out.println(java.nio.file.Files.readString(tmp.resolve("data.log")).lines()
                .filter(line -> line.contains("replayed") || line.contains("torn") || line.contains("unpublished"))
                .collect(java.util.stream.Collectors.joining("\n")));
        assertTrue(acknowledged.size() > 1000, "the test acknowledged too little to mean much: " + acknowledged.size());
    }

    private void runClientsThenKill(ChildLarch larch, String key, int round, int killAfterMillis) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(Thread.ofPlatform().start(() -> {
                for (int batch = 0; !stop.get() && batch < 100_000; batch++) {
                    List<String> markers = new ArrayList<>();
                    StringBuilder body = new StringBuilder("[");
                    for (int e = 0; e < EVENTS_PER_BATCH; e++) {
                        String marker = "r" + round + "c" + client + "b" + batch + "e" + e;
                        markers.add(marker);
                        // Every batch mixes kinds: it must still be stored whole or not at all.
                        body.append(e == 0 ? "" : ",").append("{\"message\":\"crash marker ").append(marker)
                                .append("\",\"kind\":\"").append(KINDS[e % KINDS.length]).append("\"}");
                    }
                    body.append(']');
                    try {
                        HttpJson.Response response = larch.http().post("/api/log", key, body.toString());
                        if (response.status() == 202) {
                            acknowledged.addAll(markers);
                        } else {
                            unanswered.addAll(markers);
                        }
                    } catch (RuntimeException connectionLost) {
                        unanswered.addAll(markers);
                        return;
                    }
                }
            }));
        }
        Thread.sleep(killAfterMillis);
        larch.kill();
        stop.set(true);
        for (Thread client : clients) {
            client.join();
        }
    }

    private void verify(HttpJson http, String key, String when) {
        Map<String, Integer> seen = new HashMap<>();
        Map<String, String> params = new LinkedHashMap<>(Map.of("q", "crash marker", "limit", "1000"));
        while (true) {
            HttpJson.Response response = http.get("/api/log", key, params);
            assertEquals(200, response.status(), response.body());
            JsonNode page = response.json();
            for (JsonNode event : page.get("events")) {
                String marker = event.get("message").asText().substring("crash marker ".length());
                seen.merge(marker, 1, Integer::sum);
            }
            if (page.get("next").isNull()) {
                break;
            }
            params.put("cursor", page.get("next").asText());
        }
        for (String marker : acknowledged) {
            assertEquals(1, seen.getOrDefault(marker, 0), when + ": acknowledged event " + marker);
        }
        for (Map.Entry<String, Integer> entry : seen.entrySet()) {
            assertEquals(1, entry.getValue(), when + ": event " + entry.getKey() + " is stored more than once");
            assertTrue(acknowledged.contains(entry.getKey()) || unanswered.contains(entry.getKey()),
                    when + ": event " + entry.getKey() + " was never sent");
        }
        Map<String, Integer> eventsPerBatch = new HashMap<>();
        seen.keySet().forEach(marker -> eventsPerBatch.merge(marker.substring(0, marker.lastIndexOf('e')), 1, Integer::sum));
        eventsPerBatch.forEach((batch, events) -> assertEquals(EVENTS_PER_BATCH, events,
                when + ": batch " + batch + " (mixed kinds) is stored in part"));
        long extra = seen.keySet().stream().filter(m -> !acknowledged.contains(m)).count();
        assertEquals(acknowledged.size() + extra, seen.size(), when + ": count");
    }
}
