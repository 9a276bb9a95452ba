package io.larch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the benchmarks working: tiny runs against the real larch.jar that the build just made. */
class BenchSmokeTest {
    private static final Path JAR = Path.of("../server/target/larch.jar");
    private static final Path LOGHUB = Path.of("src/test/resources/loghub");

    @TempDir
    Path dataDir;

    @Test
    void generatorIsDeterministicAndPlantsItsWords() throws Exception {
        List<String> loghub = EventGenerator.loadLoghub(LOGHUB);
        assertEquals(80, loghub.size());
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        EventGenerator a = new EventGenerator(1, loghub, start, 86_400_000L, 0);
        EventGenerator b = new EventGenerator(1, loghub, start, 86_400_000L, 0);
        EventGenerator c = new EventGenerator(2, loghub, start, 86_400_000L, 0);
        String batchA = a.batch(1000, 1000);
        assertEquals(batchA, b.batch(1000, 1000));
        assertNotEquals(batchA, c.batch(1000, 1000));
        JsonNode events = new ObjectMapper().readTree(batchA).get("events");
        assertEquals(1000, events.size());
        long common = 0;
        long system = 0;
        for (JsonNode event : events) {
            common += event.get("message").asText().contains(EventGenerator.COMMON_WORD) ? 1 : 0;
            system += "system".equals(event.get("source").asText()) ? 1 : 0;
        }
        assertTrue(common > 200 && common < 600, "common word in " + common + " of 1000");
        assertTrue(system > 100, "loghub lines mixed in: " + system);
        EventGenerator needle = new EventGenerator(1, loghub, start, 86_400_000L, EventGenerator.NEEDLE_EVERY / 2);
        assertTrue(needle.next(1).contains(EventGenerator.NEEDLE_WORD));
    }

    @Test
    void ingestAndQueryBenchmarksRunAgainstTheJar() throws Exception {
        try (LarchProcess larch = LarchProcess.start(JAR, dataDir, Map.of())) {
            String key = BenchMain.createProject(larch.url());
            IngestBench.Result ingest = IngestBench.run(larch.url(), "/api/log", key, 2, 100, Duration.ofSeconds(2),
                    EventGenerator.loadLoghub(LOGHUB), 5);
            assertEquals(0, ingest.errors());
            assertTrue(ingest.events() > 0);
            assertTrue(ingest.p50Millis() > 0);

            Instant end = Instant.now().minusSeconds(60);
            QueryBench.load(larch.url(), key, 20_000, 2, List.of(), end);
            new BenchHttp(larch.url()).postJson("/admin/maintain", LarchProcess.ADMIN_TOKEN, "");
            List<QueryBench.Timing> timings = QueryBench.run(larch.url(), key, QueryBench.suite(end), 0, 1);
            assertEquals(6, timings.size());
            assertEquals("100 events", timings.get(1).answer(), "common word, latest 100");
            assertTrue(timings.get(4).answer().startsWith("1441 buckets"), timings.get(4).answer());
        }
    }

    @Test
    void protocolsCommandSendsTheSameEventsThroughEveryAdapter() throws Exception {
        Path out = dataDir.resolve("protocols.json");
        int exit = new picocli.CommandLine(new BenchMain()).execute("protocols", "--jar", JAR.toString(),
                "--data-dir", dataDir.resolve("protocols").toString(), "--loghub", LOGHUB.toString(), "--clients", "2",
                "--batch", "50", "--seconds", "2", "--warmup-seconds", "0", "--out", out.toString());
        assertEquals(0, exit);
        JsonNode runs = new ObjectMapper().readTree(out.toFile()).get("runs");
        List<String> protocols = new java.util.ArrayList<>();
        for (JsonNode run : runs) {
            protocols.add(run.get("protocol").asText());
            assertEquals(0, run.get("errors").asLong(), run.toString());
            assertTrue(run.get("events").asLong() > 0, run.toString());
        }
        assertEquals("native", protocols.getFirst());
        assertEquals("native", protocols.getLast());
        assertEquals(new java.util.ArrayList<>(ProtocolBench.PROTOCOLS.keySet()), protocols.subList(0, protocols.size() - 1));
    }

    @Test
    void nodesCommandRunsTwoNodesOnOnePostgresAndTheyAnswerAlike() throws Exception {
        Path out = dataDir.resolve("nodes.json");
        int exit = new picocli.CommandLine(new BenchMain()).execute("nodes", "--jar", JAR.toString(),
                "--data-dir", dataDir.resolve("nodes").toString(), "--loghub", LOGHUB.toString(), "--topologies", "postgres-2",
                "--clients", "2", "--batch", "50", "--seconds", "2", "--warmup-seconds", "0", "--query-events", "2000",
                "--seal-interval", "1s", "--runs", "1", "--warmups", "1", "--out", out.toString());
        assertEquals(0, exit);
        JsonNode run = new ObjectMapper().readTree(out.toFile()).get("runs").get(0);
        assertEquals(0, run.get("ingest").get("errors").asLong(), run.toString());
        assertTrue(run.get("ingest").get("eventsPerSecond").asLong() > 0, run.toString());
        assertTrue(run.get("freshnessSeconds").asDouble() > 0, "an event posted to one node was found on the other");
        assertTrue(run.get("sameAnswersOnEveryNode").asBoolean(), run.toString());
    }

    @Test
    void clusterLoadCommandSimulatesNodesOnARealPostgres() throws Exception {
        Path out = dataDir.resolve("cluster-load.json");
        int exit = new picocli.CommandLine(new BenchMain()).execute("cluster-load", "--nodes", "3", "--seconds", "3",
                "--parts-per-node", "100", "--requests-per-second", "10", "--data-dir", dataDir.resolve("cluster").toString(),
                "--out", out.toString());
        assertEquals(0, exit);
        JsonNode result = new ObjectMapper().readTree(out.toFile());
        assertEquals(0, result.get("failures").asLong(), result.toString());
        assertTrue(result.get("refreshes").asLong() > 0, result.toString());
        assertTrue(result.get("notifiesReceivedPerSecondPerNode").asLong() > 0, result.toString());
        assertTrue(result.get("rateChecksPerSecond").asLong() > 0, result.toString());
        assertEquals(0, result.get("rateChecksDecidedLocally").asLong(), result.toString());
    }

    @Test
    void ingestCommandRunsWithAlertRulesAndReportsWhetherTheEvaluatorKeptUp() throws Exception {
        Path out = dataDir.resolve("ingest.json");
        int exit = new picocli.CommandLine(new BenchMain()).execute("ingest", "--jar", JAR.toString(),
                "--data-dir", dataDir.resolve("server").toString(), "--loghub", LOGHUB.toString(), "--clients", "2",
                "--batch", "50", "--seconds", "2", "--warmup-seconds", "0", "--alert-rules", "3", "--out", out.toString());
        assertEquals(0, exit);
        JsonNode result = new ObjectMapper().readTree(out.toFile());
        assertEquals(3, result.get("alertRules").asInt());
        assertEquals(0, result.get("larch").get("errors").asLong());
        assertEquals(0, result.get("alerts").get("droppedEvents").asLong());
        assertTrue(result.get("alerts").has("alertsTriggered"));
    }
}
