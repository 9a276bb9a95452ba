package io.larch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.testing.HttpJson;
import io.larch.testing.TcpProxy;
import io.larch.testing.TestServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code larch tail} against a real server: follows, filters, resumes with no gap and no duplicate, stops on bad input and dead keys. */
class TailCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long WAIT_MILLIS = 20_000;

    @TempDir
    Path dataDir;

    private final List<Tail> tails = new ArrayList<>();

    @AfterEach
    void stopTails() throws InterruptedException {
        for (Tail tail : tails) {
            tail.stop();
        }
    }

    @Test
    void printsEventsIngestedAfterItStartedInOrder() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            Tail tail = tail("--project", "shop", "--server", server.http().base(), "--token", key);
            tail.awaitErr(err -> err.contains("larch: following project shop on " + server.http().base()));
            ingest(server.http(), key, "{\"ts\":\"2026-11-21T10:00:00Z\",\"level\":\"error\",\"source\":\"api\",\"message\":\"first\"}");
            ingest(server.http(), key, "{\"ts\":\"2026-11-21T09:00:00Z\",\"message\":\"second, older ts\"}",
                    "{\"ts\":\"2026-11-21T10:00:02Z\",\"level\":\"warn\",\"message\":\"third\"}");
            assertEquals(List.of("2026-11-21T10:00:00Z ERROR [api] first", "2026-11-21T09:00:00Z INFO  second, older ts",
                    "2026-11-21T10:00:02Z WARN  third"), tail.awaitLines(3));
        }
    }

    @Test
    void findsTheServerThatHoldsTheDataDirAsQueryDoesAndFollowsItAcrossRestarts() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            Tail tail = tail("level:error", "--project", "shop", "--data-dir", dataDir.toString());
            tail.awaitErr(err -> err.contains("larch: following project shop on " + server.http().base()));
            ingest(server.http(), key, "{\"ts\":\"2026-11-21T10:00:00Z\",\"message\":\"not this\"}",
                    "{\"ts\":\"2026-11-21T10:00:01Z\",\"level\":\"error\",\"message\":\"this\"}");
            assertEquals(List.of("2026-11-21T10:00:01Z ERROR this"), tail.awaitLines(1));
            // A restart on port 0: a new port and a new local token in server.json, read again.
            server.restart();
            ingest(server.http(), key, "{\"ts\":\"2026-11-21T10:00:02Z\",\"level\":\"error\",\"message\":\"after\"}");
            assertEquals(List.of("2026-11-21T10:00:01Z ERROR this", "2026-11-21T10:00:02Z ERROR after"), tail.awaitLines(2));
            tail.awaitErr(err -> err.contains("larch: reconnected to " + server.http().base()));
        }
    }

    @Test
    void resumesAfterTheServerRestartsWithNoGapAndNoDuplicate() {
        Map<String, String> samePort = Map.of("LARCH_PORT", Integer.toString(freePort()));
        try (TestServer server = TestServer.start(dataDir, samePort, Clock.systemUTC())) {
            String key = server.createProject("Shop");
            Tail tail = tail("--project", "shop", "--server", server.http().base(), "--token", key, "--ndjson");
            tail.awaitErr(err -> err.contains("following project shop"));
            List<String> ids = new ArrayList<>(ingest(server.http(), key, messages("before", 5)));
            tail.awaitLines(5);
            server.sealNow();
            server.restart();
            ids.addAll(ingest(server.http(), key, messages("after", 5)));
            List<String> lines = tail.awaitLines(10);
            assertEquals(ids, lines.stream().map(line -> json(line).get("id").asText()).toList());
            assertEquals(List.of("before 0", "before 1", "before 2", "before 3", "before 4", "after 0", "after 1", "after 2",
                    "after 3", "after 4"), lines.stream().map(line -> json(line).get("message").asText()).toList());
            tail.awaitErr(err -> err.contains("larch: reconnected to " + server.http().base()));
        }
    }

    @Test
    void resumesAfterTheConnectionIsCutAtRandomPoints() throws Exception {
        try (TestServer server = TestServer.start(dataDir); TcpProxy proxy = new TcpProxy(server.larch().port())) {
            String key = server.createProject("Shop");
            Tail tail = tail("--project", "shop", "--server", proxy.url(), "--token", key);
            tail.awaitErr(err -> err.contains("following project shop"));
            int batches = 30;
            int perBatch = 10;
            Thread writer = Thread.ofPlatform().start(() -> {
                for (int b = 0; b < batches; b++) {
                    int first = b * perBatch;
                    ingest(server.http(), key, IntStream.range(first, first + perBatch)
                            .mapToObj(i -> "{\"ts\":\"2026-11-21T10:00:00Z\",\"message\":\"event " + i + "\"}").toArray(String[]::new));
                    if (b % 10 == 9) {
                        server.sealNow(); // a resume then reads from sealed parts, not only the head
                    }
                    sleep(20);
                }
            });
            Random random = new Random(13);
            int cuts = 0;
            while (writer.isAlive()) {
                sleep(50 + random.nextInt(200));
                cuts += proxy.cutAll();
            }
            writer.join();
            List<String> expected = IntStream.range(0, batches * perBatch).mapToObj(i -> "2026-11-21T10:00:00Z INFO  event " + i).toList();
            List<String> lines = tail.awaitLines(expected.size());
            assertEquals(expected, lines);
            sleep(300);
            assertEquals(expected.size(), tail.lines().size(), "nothing more, nothing twice");
            assertTrue(cuts >= 2, "the connection was cut " + cuts + " times");
        }
    }

    @Test
    void printsOnlyWhatTheQueryAndFiltersMatch() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            Tail tail = tail("checkout", "--level", ">=warn", "--kind", "app", "--project", "shop",
                    "--server", server.http().base(), "--token", key);
            tail.awaitErr(err -> err.contains("following project shop"));
            ingest(server.http(), key,
                    "{\"ts\":\"2026-11-21T10:00:00Z\",\"level\":\"error\",\"message\":\"checkout failed\"}",
                    "{\"ts\":\"2026-11-21T10:00:01Z\",\"level\":\"info\",\"message\":\"checkout ok\"}",
                    "{\"ts\":\"2026-11-21T10:00:02Z\",\"level\":\"error\",\"message\":\"login failed\"}",
                    "{\"ts\":\"2026-11-21T10:00:03Z\",\"level\":\"warn\",\"kind\":\"build\",\"message\":\"checkout build slow\"}",
                    "{\"ts\":\"2026-11-21T10:00:04Z\",\"level\":\"warn\",\"message\":\"checkout slow\"}");
            assertEquals(List.of("2026-11-21T10:00:00Z ERROR checkout failed", "2026-11-21T10:00:04Z WARN  checkout slow"),
                    tail.awaitLines(2));
            ingest(server.http(), key, "{\"ts\":\"2026-11-21T10:00:05Z\",\"level\":\"fatal\",\"message\":\"checkout gone\"}");
            assertEquals("2026-11-21T10:00:05Z FATAL checkout gone", tail.awaitLines(3).get(2), "nothing else came between");
        }
    }

    @Test
    void startsAfterTheGivenEventIdOrFromTheGivenTime() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            List<String> ids = ingest(server.http(), key, messages("stored", 3));
            Tail afterId = tail("--project", "shop", "--server", server.http().base(), "--token", key,
                    "--last-event-id", ids.get(0), "--ndjson");
            assertEquals(ids.subList(1, 3), afterId.awaitLines(2).stream().map(l -> json(l).get("id").asText()).toList());
            Tail fromTime = tail("--project", "shop", "--server", server.http().base(), "--token", key, "--from", "-1h");
            assertEquals(List.of("stored 0", "stored 1", "stored 2"),
                    fromTime.awaitLines(3).stream().map(l -> l.substring(l.lastIndexOf("stored"))).toList());
            ids.addAll(ingest(server.http(), key, messages("live", 1)));
            assertEquals(ids.get(3), json(afterId.awaitLines(3).get(2)).get("id").asText());
            assertTrue(fromTime.awaitLines(4).get(3).endsWith(" INFO  live 0"));
        }
    }

    @Test
    void aBadQueryExitsWith2AndSaysWhatTheServerSaid() {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            HttpJson.Response direct = server.http().get("/api/log/stream", key, Map.of("q", "(x", "project", "shop"));
            assertEquals(400, direct.status(), direct.body());
            Run bad = run("tail", "(x", "--project", "shop", "--server", server.http().base(), "--token", key);
            assertEquals(2, bad.exitCode(), bad.err());
            assertEquals("larch: server answered 400: " + direct.json().get("error").asText() + "\n", bad.err());
            assertEquals("", bad.out());
            Run badId = run("tail", "--project", "shop", "--server", server.http().base(), "--token", key, "--last-event-id", "nope!");
            assertEquals(2, badId.exitCode(), badId.err());
            assertTrue(badId.err().startsWith("larch: --last-event-id: 'nope!' is not an event id"), badId.err());
            Run badFrom = run("tail", "--project", "shop", "--server", server.http().base(), "--token", key, "--from", "yesterday-ish");
            assertEquals(2, badFrom.exitCode(), badFrom.err());
        }
    }

    @Test
    void aRevokedKeyStopsTheTailWithExit1() throws InterruptedException {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            Tail tail = tail("--project", "shop", "--server", server.http().base(), "--token", key);
            tail.awaitErr(err -> err.contains("following project shop"));
            HttpJson.Response revoked = server.http().send(HttpRequest.newBuilder(server.http().uri("/admin/projects/shop/keys/"
                    + key.substring(0, 14))).DELETE(), TestServer.ADMIN_TOKEN);
            assertEquals(204, revoked.status(), revoked.body());
            assertEquals(1, tail.awaitExit());
            String last = tail.err().lines().reduce((a, b) -> b).orElseThrow();
            assertTrue(last.startsWith("larch: the server ended the stream: "), tail.err());
            assertTrue(last.contains("revoked"), tail.err());
            Run again = run("tail", "--project", "shop", "--server", server.http().base(), "--token", key);
            assertEquals(1, again.exitCode(), again.err());
            assertTrue(again.err().startsWith("larch: server answered 401: "), again.err());
        }
    }

    @Test
    void stopsWhenStdoutIsClosed() throws InterruptedException {
        try (TestServer server = TestServer.start(dataDir)) {
            String key = server.createProject("Shop");
            Writer closedPipe = new Writer() {
                @Override
                public void write(char[] chars, int off, int len) throws IOException {
                    throw new IOException("Broken pipe");
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            Tail tail = new Tail(new String[] {"tail", "--project", "shop", "--server", server.http().base(), "--token", key},
                    closedPipe);
            tails.add(tail);
            tail.awaitErr(err -> err.contains("following project shop"));
            ingest(server.http(), key, messages("into a closed pipe", 1));
            assertEquals(0, tail.awaitExit(), tail.err());
        }
    }

    @Test
    void needsARunningServer() {
        Run none = run("tail", "--project", "shop", "--data-dir", dataDir.toString());
        assertEquals(1, none.exitCode(), none.err());
        assertEquals("larch: tail follows a running server, and none runs on data dir " + dataDir
                + "; start one with 'larch serve', or pass --server URL and --token\n", none.err());
    }

    // ---- helpers ----

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = cli(new PrintWriter(out), new PrintWriter(err));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private static CommandLine cli(PrintWriter out, PrintWriter err) {
        CommandLine cli = LarchCommand.create(config -> {
            throw new AssertionError("serve is not under test here");
        });
        cli.setOut(out);
        cli.setErr(err);
        return cli;
    }

    private Tail tail(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "tail";
        System.arraycopy(args, 0, all, 1, args.length);
        Tail tail = new Tail(all);
        tails.add(tail);
        return tail;
    }

    /** A {@code larch tail} running on its own thread, its output read as it comes. */
    private static final class Tail {
        private final Output out = new Output();
        private final Output err = new Output();
        private final Thread thread;
        private volatile Integer exitCode;

        Tail(String[] args) {
            this(args, null);
        }

        /** @param stdout where the events go instead of {@link #lines()}, or null */
        Tail(String[] args, Writer stdout) {
            Writer events = stdout != null ? stdout : out;
            thread = Thread.ofPlatform().name("larch-tail-under-test").start(() ->
                    exitCode = cli(new PrintWriter(events, true), new PrintWriter(err, true)).execute(args));
        }

        List<String> lines() {
            return out.text().lines().toList();
        }

        String err() {
            return err.text();
        }

        /** Waits until {@code count} lines are out, and returns all of them. */
        List<String> awaitLines(int count) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
            while (lines().size() < count) {
                if (System.nanoTime() > deadline || exitCode != null) {
                    throw new AssertionError("wanted " + count + " lines, got " + lines().size() + " (exit " + exitCode
                            + "):\n" + out.text() + "\nstderr:\n" + err.text());
                }
                sleep(10);
            }
            return lines();
        }

        void awaitErr(Predicate<String> condition) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
            while (!condition.test(err.text())) {
                if (System.nanoTime() > deadline || exitCode != null) {
                    throw new AssertionError("stderr never got there (exit " + exitCode + "):\n" + err.text());
                }
                sleep(10);
            }
        }

        int awaitExit() throws InterruptedException {
            thread.join(WAIT_MILLIS);
            if (exitCode == null) {
                throw new AssertionError("still running; stderr:\n" + err.text());
            }
            return exitCode;
        }

        void stop() throws InterruptedException {
            thread.interrupt();
            thread.join(WAIT_MILLIS);
        }
    }

    /** A writer that another thread can read at any time. */
    private static final class Output extends Writer {
        private final StringBuilder text = new StringBuilder();

        @Override
        public synchronized void write(char[] chars, int off, int len) {
            text.append(chars, off, len);
        }

        synchronized String text() {
            return text.toString();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** Posts events (JSON objects) in one batch and returns their ids. */
    private static List<String> ingest(HttpJson http, String key, String... events) {
        HttpJson.Response response = http.post("/api/log", key, "[" + String.join(",", events) + "]");
        assertEquals(202, response.status(), response.body());
        List<String> ids = new ArrayList<>();
        response.json().get("ids").forEach(id -> ids.add(id.asText()));
        return ids;
    }

    private static String[] messages(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> "{\"message\":\"" + prefix + " " + i + "\"}").toArray(String[]::new);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + line, e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
