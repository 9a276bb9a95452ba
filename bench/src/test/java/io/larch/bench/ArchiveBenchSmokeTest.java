package io.larch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the archive benchmark working: a tiny run against the real larch.jar and s3proxy. */
class ArchiveBenchSmokeTest {
    private static final Path JAR = Path.of("../server/target/larch.jar");
    private static final Path LOGHUB = Path.of("src/test/resources/loghub");

    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void archivedPartsAreReadColdAndAnswerAsTheyDidLocally() throws Exception {
        Map<String, Object> results = ArchiveBench.run(JAR, dir, EventGenerator.loadLoghub(LOGHUB), 20_000, 2, 1, 2, 20);
        Map<String, Object> upload = (Map<String, Object>) results.get("upload");
        assertTrue(((Number) upload.get("parts")).longValue() > 0, "parts uploaded: " + upload);
        assertTrue(((Number) upload.get("bytes")).longValue() > 0, "bytes uploaded: " + upload);
        assertTrue(((Number) upload.get("megabytesPerSecond")).doubleValue() > 0, "throughput: " + upload);
        List<Map<String, Object>> queries = (List<Map<String, Object>>) results.get("queries");
        for (String query : List.of("one userId, latest 100, 1 day", "common word, latest 100, 1 day",
                "level=error count, 1 day", "per-minute histogram, 1 day", "top-10 fingerprints, 1 day")) {
            Map<String, Object> local = row(queries, query, "local");
            Map<String, Object> cold = row(queries, query, "cold");
            Map<String, Object> warm = row(queries, query, "warm");
            assertEquals(local.get("answer"), cold.get("answer"), query + ": cold against local");
            assertEquals(local.get("answer"), warm.get("answer"), query + ": warm against local");
            assertTrue(((Number) cold.get("p50Ms")).doubleValue() > 0, query);
            assertEquals(0, local.get("archivedPartsRead"), query + " read local parts only");
        }
        assertTrue((Integer) row(queries, "one userId, latest 100, 1 day", "cold").get("archivedPartsRead") > 0,
                "the cold search read archive-only parts: " + queries);
    }

    private static Map<String, Object> row(List<Map<String, Object>> queries, String query, String tier) {
        return queries.stream().filter(q -> query.equals(q.get("query")) && tier.equals(q.get("tier"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + tier + " row for " + query + ": " + queries));
    }
}
