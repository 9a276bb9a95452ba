package io.larch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.testing.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI, against a stopped server's data dir and against a running server. */
class CliTest {
    @TempDir
    Path dataDir;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = LarchCommand.create(config -> {
            throw new AssertionError("serve is not under test here");
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private static String keyFrom(Run run) {
        return run.out().lines().filter(l -> l.startsWith("API key")).findFirst().orElseThrow()
                .replaceAll(".*: ", "").trim();
    }

    @Test
    void fingerprintEvalPrintsGroupingAccuracyAndWritesEachLinesFingerprint() throws Exception {
        Path loghub = Path.of("src/test/resources/loghub");
        Path out = dataDir.resolve("eval");
        Run eval = run("fingerprint-eval", loghub.toString(), "--out", out.toString());
        assertEquals(0, eval.exitCode(), eval.err());
        List<String> lines = eval.out().lines().toList();
        assertEquals(List.of("system", "Android", "HDFS", "Linux", "mean"),
                lines.stream().map(l -> l.split(" +")[0]).toList(), eval.out());
        double mean = Double.parseDouble(lines.getLast().trim().split(" +")[2]);
        assertTrue(mean > 0.85 && mean <= 1.0, eval.out());
        List<String> hdfs = Files.readAllLines(out.resolve("HDFS.csv"));
        assertEquals(2001, hdfs.size());
        assertEquals("LineId,fingerprint", hdfs.getFirst());
        assertTrue(hdfs.get(1).matches("1,[0-9a-f]{40}"), hdfs.get(1));
        Run v1 = run("fingerprint-eval", loghub.toString(), "--fingerprinter", "v1");
        assertTrue(Double.parseDouble(v1.out().lines().toList().getLast().trim().split(" +")[2]) < mean, v1.out());
        Run missing = run("fingerprint-eval", dataDir.resolve("nope").toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("is not a directory"), missing.err());
        assertEquals(2, run("fingerprint-eval", loghub.toString(), "--fingerprinter", "drain").exitCode());
    }

    @Test
    void createsProjectsAndQueriesWithoutAServer() {
        Run created = run("project", "create", "My App", "--data-dir", dataDir.toString());
        assertEquals(0, created.exitCode(), created.err());
        assertTrue(created.out().startsWith("created project my-app\n"), created.out());
        String key = keyFrom(created);
        try (TestServer server = TestServer.start(dataDir)) {
            String t = Instant.parse("2026-11-21T10:00:00Z").toString();
            server.http().post("/api/log", key, "[{\"ts\":\"" + t + "\",\"message\":\"sealed timeout\",\"level\":\"error\",\"source\":\"api\"}]");
            server.sealNow();
            server.http().post("/api/log", key, "[{\"ts\":\"2026-11-21T10:00:01Z\",\"message\":\"head timeout\"}]");
        }
        Run query = run("query", "timeout", "--project", "my-app", "--data-dir", dataDir.toString());
        assertEquals(0, query.exitCode(), query.err());
        assertEquals(List.of("2026-11-21T10:00:01Z INFO  head timeout", "2026-11-21T10:00:00Z ERROR [api] sealed timeout"),
                query.out().lines().toList());
        Run paged = run("query", "--project", "my-app", "--limit", "1", "--data-dir", dataDir.toString());
        assertEquals(1, paged.out().lines().count());
        assertTrue(paged.err().startsWith("more results: --cursor "), paged.err());
        String cursor = paged.err().trim().substring("more results: --cursor ".length());
        Run next = run("query", "--project", "my-app", "--limit", "1", "--cursor", cursor, "--data-dir", dataDir.toString());
        assertEquals(List.of("2026-11-21T10:00:00Z ERROR [api] sealed timeout"), next.out().lines().toList());
    }

    @Test
    void talksToTheRunningServerThatHoldsTheDataDir() {
        try (TestServer server = TestServer.start(dataDir)) {
            Run created = run("project", "create", "Shop", "--data-dir", dataDir.toString());
            assertEquals(0, created.exitCode(), created.err());
            String key = keyFrom(created);
            assertEquals(202, server.http().post("/api/log", key, "{\"message\":\"via server\",\"ts\":\"2026-11-21T10:00:00Z\"}").status());
            Run query = run("query", "server", "--project", "shop", "--data-dir", dataDir.toString());
            assertEquals(0, query.exitCode(), query.err());
            assertEquals(List.of("2026-11-21T10:00:00Z INFO  via server"), query.out().lines().toList());
            Run explicit = run("query", "--project", "shop", "--server", server.http().base(), "--token", key);
            assertEquals(0, explicit.exitCode(), explicit.err());
            assertEquals(1, explicit.out().lines().count());
        }
    }

    @Test
    void errorsSayWhatIsWrong() {
        Run unknown = run("query", "--project", "nope", "--data-dir", dataDir.toString());
        assertEquals(1, unknown.exitCode());
        assertEquals("larch: no project with slug 'nope' in " + dataDir + "\n", unknown.err());
        Run badQuery = run("query", "(x", "--project", "nope", "--data-dir", dataDir.toString());
        assertEquals(1, badQuery.exitCode());
        Run badConfig = run("query", "--project", "p", "--data-dir", dataDir.toString(), "--config", dataDir.resolve("missing.properties").toString());
        assertEquals(2, badConfig.exitCode());
        assertTrue(badConfig.err().contains("LARCH_CONFIG: config file"), badConfig.err());
        try (TestServer server = TestServer.start(dataDir)) {
            Run remoteUnknown = run("query", "--project", "nope", "--data-dir", dataDir.toString());
            assertEquals(1, remoteUnknown.exitCode());
            assertEquals("larch: server answered 404: no project with slug 'nope'; list projects with GET /admin/projects\n",
                    remoteUnknown.err());
        }
    }

    @Test
    void verifyFindsADamagedPartAndSaysWhich() throws Exception {
        long shop;
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            shop = server.projectId("shop");
            server.http().post("/api/log", key, "[{\"message\":\"one\"},{\"message\":\"two\"}]");
            server.sealNow();
        }
        Run whole = run("verify", "--data-dir", dataDir.toString());
        assertEquals(0, whole.exitCode(), whole.out() + whole.err());
        assertEquals("1 parts, 0 damaged files\n", whole.out());
        Path part;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dataDir.resolve("parts"))) {
            part = files.filter(f -> f.toString().endsWith(".parquet") && !f.toString().endsWith(".rollup.parquet"))
                    .findFirst().orElseThrow();
        }
        byte[] bytes = java.nio.file.Files.readAllBytes(part);
        bytes[bytes.length / 2] ^= 0x10;
        java.nio.file.Files.write(part, bytes);
        Run damaged = run("verify", "--data-dir", dataDir.toString());
        assertEquals(1, damaged.exitCode(), damaged.out() + damaged.err());
        assertTrue(damaged.out().startsWith("damaged part " + part.getFileName().toString().replace(".parquet", "")
                + " (project " + shop + ", app, 2 events): checksum mismatch"), damaged.out());
        assertTrue(damaged.out().endsWith("1 parts, 1 damaged files\n"), damaged.out());
        // The CLI's own queries leave the damaged part out and change nothing on disk.
        Run query = run("query", "--project", "shop", "--data-dir", dataDir.toString());
        assertEquals(0, query.exitCode(), query.err());
        assertEquals("", query.out());
        assertTrue(java.nio.file.Files.exists(part), "a read-only query moves nothing");
        assertEquals(1, run("verify", "--data-dir", dataDir.toString()).exitCode(), "still published, still damaged");
    }
}
