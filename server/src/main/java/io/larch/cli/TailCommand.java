package io.larch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.larch.config.LarchConfig;
import io.larch.datadir.ServerInfo;
import io.larch.model.EventId;
import io.larch.model.InvalidInputException;
import io.larch.query.TimeExpressions;
import java.io.Console;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code larch tail}: follows {@code GET /api/log/stream} of a running server and prints each
 * event as {@code larch query} does, until stopped. A dropped connection, a server restart or an
 * {@code end} that is not about the credential is followed by a reconnect after 0.5 s, doubling to
 * 10 s, with {@code Last-Event-ID} = the last id printed: the server sends what was stored after
 * it, so nothing is missed, and an id not after the last one printed is skipped, so nothing is
 * printed twice. Exit codes: 1 for a refused or revoked credential (and other errors), 2 for a
 * query or parameter the server rejects.
 *
 * <p>Threading: one thread (the caller's) connects and reads; a watchdog thread only closes the
 * body of a connection that has been silent for {@link #SILENCE_LIMIT_MILLIS} (the server sends a
 * heartbeat every 15 s, so silence that long means a dead network path).
 */
@Command(name = "tail", description = "Follow a project's events live as they are stored; reconnects and resumes by itself.")
final class TailCommand implements Callable<Integer> {
    static final long FIRST_DELAY_MILLIS = 500;
    static final long MAX_DELAY_MILLIS = 10_000;
    static final long SILENCE_LIMIT_MILLIS = 45_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    DataDirOptions dataDir;

    @Parameters(index = "0", arity = "0..1", description = "query text, e.g. 'level>=warn checkout' (default: everything)")
    String queryText;

    @Option(names = "--project", required = true, description = "project slug")
    String project;

    @Option(names = "--kind", description = "kinds, comma-separated")
    String kind;

    @Option(names = "--level", description = "level, comma list, or >=warn")
    String level;

    @Option(names = "--from", description = "first print the events stored since then (ISO-8601, epoch ms, or relative like -10m), then follow")
    String from;

    @Option(names = "--last-event-id", description = "first print the events stored after this event id, then follow")
    String lastEventId;

    @Option(names = "--ndjson", description = "print each event's JSON, one per line")
    boolean ndjson;

    @Option(names = "--no-color", description = "no colors (also off when stdout is not a terminal or NO_COLOR is set)")
    boolean noColor;

    @Option(names = "--server", description = "URL of a Larch server (default: the one running on --data-dir)")
    String server;

    @Option(names = "--token", description = "API key or admin token for --server")
    String token;

    @Spec
    CommandSpec spec;

    /** How one connection ended: stop with an exit code, or reconnect. */
    private sealed interface Outcome {
    }

    /** @param message what to tell on stderr, or null to stop silently */
    private record Stop(int exitCode, String message) implements Outcome {
    }

    /** @param delivered the connection received something (an event or a heartbeat): the backoff starts over */
    private record Reconnect(String why, boolean delivered, long atLeastMillis) implements Outcome {
    }

    private PrintWriter out;
    private PrintWriter err;
    private boolean color;
    /** The last event id printed, or the starting point: sent as Last-Event-ID. */
    private String lastId;
    private long lastIdValue = -1;
    /** A connection has been answered 200 before: the next one is a reconnect. */
    private boolean connected;
    /** Why the last connection ended, while no new one succeeded: said once, not at every attempt. */
    private String outage;

    @Override
    public Integer call() throws Exception {
        LarchConfig config = dataDir.load(new HashMap<>());
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        color = !ndjson && colorWanted(noColor, System.getenv("NO_COLOR"), stdoutIsTerminal());
        try {
            startingPoint();
        } catch (InvalidInputException e) {
            return stop(new Stop(2, e.getMessage()));
        }
        try (Target target = Target.resolve(config, server, token)) {
            if (!(target instanceof Target.Remote remote)) {
                return stop(new Stop(1, "tail follows a running server, and none runs on data dir " + config.dataDir()
                        + "; start one with 'larch serve', or pass --server URL and --token"));
            }
            return follow(remote, server == null ? config.dataDir() : null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.flush();
            err.flush();
            return 130;
        }
    }

    /** The server that server.json of {@code dataDir} names now, if it is not {@code current}; else {@code current}. */
    private Target.Remote restartedServer(Path dataDir, Target.Remote current) {
        Optional<ServerInfo> info = ServerInfo.read(dataDir);
        if (info.isEmpty()) {
            return current;
        }
        Target.Remote named = new Target.Remote(info.get().url(),
                token != null ? token : info.get().localToken());
        return named.equals(current) ? current : named;
    }

    /** Colors only on a terminal, unless --no-color or a non-empty NO_COLOR (no-color.org) says otherwise. */
    static boolean colorWanted(boolean noColorOption, String noColorEnv, boolean terminal) {
        return terminal && !noColorOption && (noColorEnv == null || noColorEnv.isEmpty());
    }

    /** Sets {@link #lastId} from --last-event-id, or from --from as the smallest id of that millisecond minus one. */
    private void startingPoint() {
        if (lastEventId != null) {
            startAfter(lastEventId.trim());
        } else if (from != null) {
            long millis = TimeExpressions.parse("--from", from, System.currentTimeMillis());
            startAfter(EventId.format(Math.max(0, EventId.pack(Math.max(0, millis), 0, 0) - 1)));
        }
    }

    /**
     * @param dataDir the data dir whose server.json named the server, or null for --server: a
     *                server restarted there has a new local token (and maybe a new port), read
     *                again before each reconnect
     */
    private int follow(Target.Remote first, Path dataDir) throws InterruptedException {
        Target.Remote target = first;
        RemoteApi api = new RemoteApi(target);
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "larch-tail-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        try {
            long delay = FIRST_DELAY_MILLIS;
            while (true) {
                Outcome outcome = connectOnce(api, watchdog);
                Target.Remote now = dataDir == null ? target : restartedServer(dataDir, target);
                if (now != target) {
                    target = now;
                    api = new RemoteApi(target);
                    if (outcome instanceof Stop stop && stop.exitCode() == 1 && stop.message().startsWith("server answered 401")) {
                        continue; // the old local token of a server that restarted: try the new one at once
                    }
                }
                if (outcome instanceof Stop stop) {
                    return stop(stop);
                }
                Reconnect reconnect = (Reconnect) outcome;
                if (reconnect.delivered()) {
                    delay = FIRST_DELAY_MILLIS;
                }
                if (outage == null || !outage.equals(reconnect.why())) {
                    err.println("larch: " + reconnect.why() + "; reconnecting");
                    err.flush();
                }
                outage = reconnect.why();
                Thread.sleep(Math.max(delay, reconnect.atLeastMillis()));
                delay = Math.min(delay * 2, MAX_DELAY_MILLIS);
            }
        } finally {
            watchdog.shutdownNow();
        }
    }

    private Outcome connectOnce(RemoteApi api, ScheduledExecutorService watchdog) throws InterruptedException {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("project", project);
        params.put("q", queryText);
        params.put("kind", kind);
        params.put("level", level);
        Map<String, String> headers = lastId == null ? Map.of() : Map.of("Last-Event-ID", lastId);
        HttpResponse<InputStream> response;
        try {
            response = api.openStream("/api/log/stream", params, headers);
        } catch (IOException e) {
            throwIfInterrupted();
            return new Reconnect("cannot reach " + api.url() + " (" + describe(e) + ")", false, 0);
        }
        try (WatchedInputStream body = new WatchedInputStream(response.body())) {
            if (response.statusCode() != 200) {
                return refused(response, body);
            }
            err.println(connected ? "larch: reconnected to " + api.url()
                    : "larch: following project " + project + " on " + api.url() + " (Ctrl-C stops)");
            err.flush();
            connected = true;
            outage = null;
            var check = watchdog.scheduleWithFixedDelay(body::closeIfSilent, 1, 1, TimeUnit.SECONDS);
            try {
                return read(new SseReader(body), body);
            } finally {
                check.cancel(false);
            }
        } catch (IOException e) {
            throwIfInterrupted();
            return new Reconnect("connection lost (" + describe(e) + ")", false, 0);
        }
    }

    /** Reads one connection's events until it ends. */
    private Outcome read(SseReader reader, WatchedInputStream body) throws InterruptedException {
        boolean delivered = false;
        try {
            for (SseReader.Event event; (event = reader.next()) != null; ) {
                delivered = true;
                switch (event.type()) {
                    case "log" -> {
                        if (!print(event)) {
                            return new Stop(0, null);
                        }
                    }
                    case "dropped" -> {
                        JsonNode dropped = jsonOf(event.data());
                        err.println("larch: dropped " + dropped.path("dropped").asLong() + " events (this client read too slowly)");
                        return new Reconnect("reading again from the last event printed, to fetch the dropped events", true, 0);
                    }
                    case "end" -> {
                        JsonNode end = jsonOf(event.data());
                        String reason = end.path("reason").asText("");
                        String said = end.hasNonNull("message") ? end.get("message").asText() : reason;
                        if (isCredentialReason(reason) || isCredentialReason(said)) {
                            return new Stop(1, "the server ended the stream: " + said);
                        }
                        return new Reconnect("the server ended the stream (" + (said.isEmpty() ? "no reason given" : said) + ")", true, 0);
                    }
                    case "partial" -> err.println("larch: " + jsonOf(event.data()).path("message").asText(
                            "damaged parts were skipped: some events are missing"));
                    case "live" -> {
                        // Everything up to this id is behind us: a cut before the first event resumes here.
                        long value = idValue(event.lastEventId());
                        if (value > lastIdValue) {
                            lastId = event.lastEventId();
                            lastIdValue = value;
                        }
                    }
                    default -> {
                        // another kind of event: not ours to print
                    }
                }
            }
        } catch (IOException e) {
            throwIfInterrupted();
            String why = body.silenced ? "no data for " + SILENCE_LIMIT_MILLIS / 1000 + " s (heartbeats stopped)"
                    : "connection lost (" + describe(e) + ")";
            return new Reconnect(why, delivered || reader.comments() > 0, 0);
        }
        return new Reconnect("the server closed the stream", delivered || reader.comments() > 0, 0);
    }

    /** An answer other than 200: 400 exits 2, credentials and the rest exit 1, 429 and 5xx reconnect. */
    private Outcome refused(HttpResponse<InputStream> response, InputStream body) throws IOException {
        int status = response.statusCode();
        String message = "server answered " + status + ": " + RemoteApi.errorOf(body.readNBytes(64 * 1024));
        if (status == 400) {
            return new Stop(2, message);
        }
        if (status == 429) {
            long retryAfterSeconds = response.headers().firstValue("Retry-After").map(TailCommand::seconds).orElse(1L);
            return new Reconnect(message, false, retryAfterSeconds * 1000);
        }
        if (status >= 500) {
            return new Reconnect(message, false, 0);
        }
        return new Stop(1, message);
    }

    /** Prints a log event unless printed already; false when stdout is gone (a closed pipe: time to stop). */
    private boolean print(SseReader.Event event) {
        JsonNode json = jsonOf(event.data());
        String id = event.lastEventId() != null ? event.lastEventId() : json.path("id").asText(null);
        long idValue = idValue(id);
        if (idValue >= 0 && idValue <= lastIdValue) {
            return true; // printed already
        }
        if (ndjson || json.isMissingNode()) {
            out.println(event.data().indexOf('\n') < 0 || json.isMissingNode() ? event.data() : json.toString());
        } else {
            out.println(EventLine.format(json, color));
        }
        if (out.checkError()) {
            return false;
        }
        if (idValue >= 0) {
            lastId = id;
            lastIdValue = idValue;
        }
        return true;
    }

    /** The JSON of an event's data; a missing node when it is not JSON (then it is printed as sent, never retried). */
    private static JsonNode jsonOf(String data) {
        try {
            JsonNode json = JSON.readTree(data);
            return json == null ? MissingNode.getInstance() : json;
        } catch (IOException notJson) {
            return MissingNode.getInstance();
        }
    }

    private void startAfter(String id) {
        long value = idValue(id);
        if (value < 0) {
            throw new InvalidInputException("--last-event-id: '" + id + "' is not an event id (13 characters like 6H02EB77C0000)");
        }
        lastId = id;
        lastIdValue = value;
    }

    /** The number of an event id, or -1 when {@code id} is null or not one. */
    private static long idValue(String id) {
        if (id == null || id.length() != EventId.TEXT_LENGTH) {
            return -1;
        }
        try {
            return EventId.parse(id);
        } catch (RuntimeException notAnId) {
            return -1;
        }
    }

    /**
     * The server ends a stream for a revoked key or an expired token (reason {@code credential}, or
     * a text that says so): reconnecting would only be refused.
     */
    static boolean isCredentialReason(String reason) {
        String lower = reason.toLowerCase(Locale.ROOT);
        return lower.equals("credential") || lower.contains("revoked") || lower.contains("expired");
    }

    private int stop(Stop stop) {
        out.flush();
        if (stop.message() != null) {
            err.println("larch: " + stop.message());
            err.flush();
        }
        return stop.exitCode();
    }

    private static long seconds(String retryAfter) {
        try {
            return Math.max(1, Long.parseLong(retryAfter.trim()));
        } catch (NumberFormatException httpDate) {
            return 1;
        }
    }

    private static String describe(IOException e) {
        if (e.getMessage() != null) {
            return e.getMessage();
        }
        return e instanceof java.net.ConnectException ? "connection refused" : e.getClass().getSimpleName();
    }

    private static void throwIfInterrupted() throws InterruptedException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
        }
    }

    /** Is stdout a terminal? {@code Console.isTerminal()} (JDK 22+) when there is one; else whether there is a console. */
    private static boolean stdoutIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException jdk21) {
            return true; // before JDK 22 a console exists only on a terminal
        }
    }

    /** A body that notes when it last read, so the watchdog can close it after a long silence. */
    private static final class WatchedInputStream extends FilterInputStream {
        private volatile long lastReadNanos = System.nanoTime();
        private volatile boolean silenced;

        WatchedInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            lastReadNanos = System.nanoTime();
            return b;
        }

        @Override
        public int read(byte[] bytes, int off, int len) throws IOException {
            int n = super.read(bytes, off, len);
            lastReadNanos = System.nanoTime();
            return n;
        }

        /** Called by the watchdog thread: closing the body makes the blocked read fail at once. */
        void closeIfSilent() {
            if (System.nanoTime() - lastReadNanos > TimeUnit.MILLISECONDS.toNanos(SILENCE_LIMIT_MILLIS)) {
                silenced = true;
                try {
                    close();
                } catch (IOException ignored) {
                    // closing is all we wanted
                }
            }
        }
    }
}
