package io.larch.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.larch.testing.HttpJson;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files at rest, over HTTP: single bit flips and truncations of parts, rollups and bloom
 * filters never give a 500 and never a changed event. Damage found at start-up (the part's
 * checksum fails on its first read) or by a scrub ({@code POST /admin/maintain}) while running
 * quarantines the part: answers that it could have held say {@code "partial":true}, and every
 * event they do return is exactly as stored. A damaged rollup or bloom filter costs nothing but
 * speed: answers stay complete.
 */
class DamagedPartsApiTest {
    private static final int EVENTS = 3_000;
    private static final List<String> QUERIES = List.of("", "request", "slow", "quokka", "took 7", "level>=warn",
            "attrs.n>100", "user:u3");
    private static final List<String> COUNTS = List.of("/api/log/stats", "/api/log/histogram", "/api/log/top");

    @TempDir
    Path tmp;

    @Test
    void damagedFilesNeverAnswer500OrAChangedEvent() throws Exception {
        Path pristine = tmp.resolve("pristine");
        String key;
        Map<String, JsonNode> truth;
        Map<String, List<String>> idsByQuery;
        Map<String, JsonNode> countsByRoute;
        try (TestServer server = TestServer.start(pristine)) {
            key = server.createProject("Shop");
            for (int batch = 0; batch < EVENTS / 250; batch++) {
                StringBuilder body = new StringBuilder();
                for (int i = batch * 250; i < (batch + 1) * 250; i++) {
                    body.append("{\"message\":\"request ").append(i).append(" took ").append(i % 97).append(" ms")
                            .append(i % 500 == 0 ? " quokka" : "").append(i % 7 == 0 ? " slow" : "")
                            .append("\",\"level\":\"").append(i % 11 == 0 ? "error" : "info").append("\",\"userId\":\"u")
                            .append(i % 10).append("\",\"attrs\":{\"n\":\"").append(i).append("\"},\"ts\":")
                            .append(1_795_000_000_000L + i * 10_000L).append("}\n");
                }
                assertEquals(202, server.http().post("/api/log", key, "application/x-ndjson",
                        body.toString().getBytes(StandardCharsets.UTF_8)).status());
                if (batch % 3 == 2) {
                    server.sealNow();
                }
            }
            server.sealNow();
            truth = new HashMap<>();
            for (JsonNode event : allEvents(server.http(), key, "")) {
                truth.put(event.get("id").asText(), event);
            }
            assertEquals(EVENTS, truth.size());
            idsByQuery = new LinkedHashMap<>();
            for (String query : QUERIES) {
                idsByQuery.put(query, allEvents(server.http(), key, query).stream().map(e -> e.get("id").asText()).toList());
            }
            countsByRoute = new LinkedHashMap<>();
            for (String route : COUNTS) {
                countsByRoute.put(route, counts(server.http(), key, route));
            }
        }
        // A start deletes the files of parts that compaction replaced: what is left is read.
        TestServer.start(pristine).close();
        List<Path> files = damageable(pristine);
        assertTrue(files.stream().filter(f -> f.toString().endsWith(".rollup.parquet")).count() >= 2,
                "events over 8 hours make parts of at most 6 hours: " + files);

        Random random = new Random(20261202);
        int partial = 0;
        for (int trial = 0; trial < 24; trial++) {
            Path dataDir = tmp.resolve("trial" + trial);
            copy(pristine, dataDir);
            Path victim = dataDir.resolve(pristine.relativize(files.get(random.nextInt(files.size()))));
            String damage = damage(victim, random);
            boolean whileRunning = trial % 3 == 2;
            try (TestServer server = whileRunning ? TestServer.start(copyBack(dataDir, victim)) : TestServer.start(dataDir)) {
                if (whileRunning) {
                    assertAnswersAreTrueOrPartial(server.http(), key, truth, idsByQuery, countsByRoute, damage + " (before)");
                    Files.copy(tmp.resolve("damaged"), victim, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    // Before any scrub: answers may miss what the damage hides, but never a 500 nor a changed event.
                    assertAnswersAreTrue(server.http(), key, truth, idsByQuery, damage + " while running, not yet scrubbed");
                    HttpJson.Response maintain = server.http().post("/admin/maintain", TestServer.ADMIN_TOKEN, "");
                    assertEquals(200, maintain.status(), maintain.body());
                }
                boolean anyPartial = assertAnswersAreTrueOrPartial(server.http(), key, truth, idsByQuery, countsByRoute,
                        damage + (whileRunning ? " while running, then scrubbed" : " before start"));
                boolean partDamaged = victim.toString().endsWith(".parquet") && !victim.toString().endsWith(".rollup.parquet");
                assertEquals(partDamaged, anyPartial, damage + ": partial answers exactly when a part's data is damaged");
                if (partDamaged) {
                    partial++;
                    JsonNode storage = server.http().get("/admin/storage", TestServer.ADMIN_TOKEN).json();
                    assertEquals(1, storage.get("quarantined").size(), storage.toString());
                    assertTrue(Files.exists(dataDir.resolve("quarantine")), "files moved aside");
                }
            }
        }
        assertTrue(partial >= 3, "too few trials damaged a part: " + partial);
    }

    /**
     * Every answer is 200; every event returned is exactly as stored; answers not marked partial
     * are complete. Returns whether any answer was partial.
     */
    private static boolean assertAnswersAreTrueOrPartial(HttpJson http, String key, Map<String, JsonNode> truth,
                                                         Map<String, List<String>> idsByQuery,
                                                         Map<String, JsonNode> countsByRoute, String damage) {
        boolean anyPartial = false;
        for (Map.Entry<String, List<String>> expected : idsByQuery.entrySet()) {
            List<String> ids = new ArrayList<>();
            boolean partial = false;
            Map<String, String> params = new LinkedHashMap<>(Map.of("q", expected.getKey(), "limit", "1000"));
            while (true) {
                HttpJson.Response response = http.get("/api/log", key, params);
                assertEquals(200, response.status(), damage + ", q=" + expected.getKey() + ": " + response.body());
                JsonNode page = response.json();
                partial |= page.path("partial").asBoolean(false);
                for (JsonNode event : page.get("events")) {
                    assertEquals(truth.get(event.get("id").asText()), event, damage + ": a changed event");
                    ids.add(event.get("id").asText());
                }
                if (page.get("next").isNull()) {
                    break;
                }
                params.put("cursor", page.get("next").asText());
            }
            if (!partial) {
                assertEquals(expected.getValue(), ids, damage + ", q=" + expected.getKey() + ": incomplete yet not partial");
            } else {
                assertTrue(expected.getValue().containsAll(ids), damage + ": events that were never stored");
            }
            anyPartial |= partial;
        }
        for (Map.Entry<String, JsonNode> expected : countsByRoute.entrySet()) {
            JsonNode actual = counts(http, key, expected.getKey());
            boolean partial = actual.path("partial").asBoolean(false);
            if (!partial) {
                assertEquals(expected.getValue(), actual, damage + ", " + expected.getKey() + ": counts changed, not partial");
            }
            anyPartial |= partial;
        }
        return anyPartial;
    }

    /** Every answer is 200 and every event returned is exactly as stored (complete or not). */
    private static void assertAnswersAreTrue(HttpJson http, String key, Map<String, JsonNode> truth,
                                             Map<String, List<String>> idsByQuery, String damage) {
        for (String query : idsByQuery.keySet()) {
            HttpJson.Response response = http.get("/api/log", key, Map.of("q", query, "limit", "1000"));
            assertEquals(200, response.status(), damage + ", q=" + query + ": " + response.body());
            for (JsonNode event : response.json().get("events")) {
                assertEquals(truth.get(event.get("id").asText()), event, damage + ": a changed event");
            }
        }
        for (String route : COUNTS) {
            counts(http, key, route);
        }
    }

    private static JsonNode counts(HttpJson http, String key, String route) {
        HttpJson.Response response = http.get(route, key, Map.of("from", "2026-11-18T00:00:00Z",
                "to", "2026-11-20T00:00:00Z", "interval", "10m", "field", "fingerprint"));
        assertEquals(200, response.status(), route + ": " + response.body());
        return response.json();
    }

    private static List<JsonNode> allEvents(HttpJson http, String key, String query) {
        List<JsonNode> events = new ArrayList<>();
        Map<String, String> params = new LinkedHashMap<>(Map.of("q", query, "limit", "1000"));
        while (true) {
            JsonNode page = http.get("/api/log", key, params).json();
            page.get("events").forEach(events::add);
            if (page.get("next").isNull()) {
                return events;
            }
            params.put("cursor", page.get("next").asText());
        }
    }

    /** Part, rollup and bloom files of the data dir, in a stable order. */
    private static List<Path> damageable(Path dataDir) throws IOException {
        try (Stream<Path> files = Files.walk(dataDir.resolve("parts"))) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** Flips one bit or cuts the file short; says what it did. */
    private String damage(Path file, Random random) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String what;
        if (random.nextInt(4) == 0) {
            int length = random.nextInt(bytes.length);
            bytes = java.util.Arrays.copyOf(bytes, length);
            what = "truncated " + file.getFileName() + " to " + length + " of its bytes";
        } else {
            int at = random.nextInt(bytes.length);
            int bit = random.nextInt(8);
            bytes[at] ^= (byte) (1 << bit);
            what = "flipped bit " + bit + " of byte " + at + " of " + file.getFileName();
        }
        Files.write(tmp.resolve("damaged"), bytes);
        Files.write(file, bytes);
        return what;
    }

    /** For damage while running: the data dir with the victim whole again, to start from. */
    private Path copyBack(Path dataDir, Path victim) throws IOException {
        Path pristineVictim = tmp.resolve("pristine").resolve(dataDir.relativize(victim));
        Files.copy(pristineVictim, victim, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return dataDir;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(path));
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (!path.getFileName().toString().equals("LOCK")) {
                    Files.copy(path, target);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
