package io.larch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.config.LarchConfig;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code larch ingest FILE|-}: sends a log file to a running server through {@code POST /api/log}
 * (the lines are read as {@link LogFileEvents} describes), in batches of at most {@code --batch}
 * events (250) and 500 KB. A 429 or 503 is waited out (its {@code Retry-After}) and the batch sent
 * again, as is a lost connection, a few times; any other refusal stops the command with the
 * server's message and the lines of the batch it refused (exit 1). Batches before it are stored.
 * Progress goes to stderr: a bar on a terminal, a line of counts every few seconds otherwise.
 */
@Command(name = "ingest", description = "Send a log file (NDJSON events, or plain lines: levels detected, Java and Python"
        + " stack traces joined) to a running server.")
final class IngestCommand implements Callable<Integer> {
    static final int MAX_BATCH_BYTES = 500 * 1024;
    static final int MAX_ATTEMPTS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    DataDirOptions dataDir;

    @Parameters(index = "0", paramLabel = "FILE|-", description = "the log file, or - to read standard input")
    String file;

    @Option(names = "--project", description = "project slug (needed with the admin token; a project key decides it itself)")
    String project;

    @Option(names = "--source", description = "source of the events that name none, e.g. nginx")
    String source;

    @Option(names = "--kind", description = "kind of the events that name none (app, build, deploy, system, ...)")
    String kind;

    @Option(names = "--batch", defaultValue = "250", description = "events per request, at most 250 (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--no-progress", description = "no progress on stderr")
    boolean noProgress;

    @Option(names = "--server", description = "URL of a Larch server (default: the one running on --data-dir)")
    String server;

    @Option(names = "--token", description = "API key (ingest scope) or admin token for --server")
    String token;

    @Spec
    CommandSpec spec;

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (batch < 1 || batch > 250) {
            return fail(2, "--batch must be from 1 to 250 (Larch takes at most 250 events a request)");
        }
        LarchConfig config = dataDir.load(new HashMap<>());
        long totalBytes = -1;
        InputStream input;
        if (file.equals("-")) {
            input = System.in;
        } else {
            try {
                Path path = Path.of(file);
                totalBytes = Files.size(path);
                input = Files.newInputStream(path);
            } catch (NoSuchFileException e) {
                return fail(2, "no such file: " + file);
            }
        }
        try (Target target = Target.resolve(config, server, token); input) {
            if (!(target instanceof Target.Remote remote)) {
                return fail(1, "ingest sends to a running server, and none runs on data dir " + config.dataDir()
                        + "; start one with 'larch serve', or pass --server URL and --token");
            }
            CountingStream counted = new CountingStream(input);
            BufferedReader reader = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)));
            Progress progress = new Progress(err, !noProgress, terminal(), totalBytes, counted);
            return send(new RemoteApi(remote), new LogFileEvents(reader, source, kind), progress);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private int send(RemoteApi api, LogFileEvents events, Progress progress) throws IOException, InterruptedException {
        List<LogFileEvents.Event> pending = new ArrayList<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long sent = 0;
        int requests = 0;
        for (LogFileEvents.Event event = events.next(); event != null; event = events.next()) {
            byte[] line = JSON.writeValueAsBytes(event.json());
            if (!pending.isEmpty() && (pending.size() >= batch || body.size() + line.length + 1 > MAX_BATCH_BYTES)) {
                String refusal = post(api, pending, body.toByteArray());
                if (refusal != null) {
                    progress.done(sent, events.linesRead());
                    return fail(1, refusal);
                }
                sent += pending.size();
                requests++;
                pending.clear();
                body.reset();
                progress.update(sent, events.linesRead());
            }
            pending.add(event);
            body.write(line);
            body.write('\n');
        }
        if (!pending.isEmpty()) {
            String refusal = post(api, pending, body.toByteArray());
            if (refusal != null) {
                progress.done(sent, events.linesRead());
                return fail(1, refusal);
            }
            sent += pending.size();
            requests++;
        }
        progress.done(sent, events.linesRead());
        out.println("ingested " + sent + " events from " + events.linesRead() + " lines in " + requests + " requests");
        out.flush();
        return 0;
    }

    /** Sends one batch, waiting out 429/503 and lost connections; null when stored, else what to tell the user. */
    private String post(RemoteApi api, List<LogFileEvents.Event> batchEvents, byte[] body)
            throws InterruptedException {
        Map<String, String> params = new HashMap<>();
        params.put("project", project);
        String lines = "lines " + batchEvents.getFirst().firstLine() + "-" + batchEvents.getLast().lastLine();
        long backoffMillis = 500;
        String lastProblem = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            HttpResponse<byte[]> response;
            try {
                response = api.postRaw("/api/log", params, "application/x-ndjson", body);
            } catch (IOException e) {
                lastProblem = "cannot reach " + api.url() + ": " + e.getMessage();
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(backoffMillis * 2, 10_000);
                continue;
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return null;
            }
            lastProblem = "server answered " + status + ": " + RemoteApi.errorOf(response.body());
            if (status != 429 && status != 503) {
                return lastProblem + details(response.body()) + " (" + lines + "; the lines before them are stored)";
            }
            long waitMillis = response.headers().firstValue("Retry-After").map(IngestCommand::seconds).orElse(-1L);
            Thread.sleep(waitMillis >= 0 ? Math.max(waitMillis, 100) : backoffMillis);
            backoffMillis = Math.min(backoffMillis * 2, 10_000);
        }
        return lastProblem + " after " + MAX_ATTEMPTS + " attempts (" + lines + "; the lines before them are stored)";
    }

    /** The first few per-event reasons of a 400, e.g. {@code ; event 3: level: unknown level 'loud'}. */
    private static String details(byte[] body) {
        try {
            JsonNode details = JSON.readTree(body).path("details");
            StringBuilder text = new StringBuilder();
            int shown = 0;
            for (JsonNode detail : details) {
                if (shown++ == 3) {
                    text.append("; ...");
                    break;
                }
                text.append("; event ").append(detail.path("index").asInt() + 1).append(" of the batch: ")
                        .append(detail.path("field").asText("")).append(detail.has("field") ? ": " : "")
                        .append(detail.path("reason").asText(""));
            }
            return text.toString();
        } catch (IOException notJson) {
            return "";
        }
    }

    private static long seconds(String retryAfter) {
        try {
            return Long.parseLong(retryAfter.trim()) * 1000;
        } catch (NumberFormatException httpDate) {
            return -1;
        }
    }

    private int fail(int exitCode, String message) {
        out.flush();
        err.println("larch: " + message);
        err.flush();
        return exitCode;
    }

    private static boolean terminal() {
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

    /** Counts the bytes read, for the progress bar of a file of known size. */
    private static final class CountingStream extends java.io.FilterInputStream {
        private long bytes;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                bytes++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                bytes += n;
            }
            return n;
        }

        long bytes() {
            return bytes;
        }
    }

    /**
     * Progress on stderr: on a terminal a bar redrawn in place (with the share of the file read
     * when its size is known), else a plain line of counts at most every 5 s; nothing with
     * {@code --no-progress}.
     */
    private static final class Progress {
        private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
        private static final long BAR_EVERY_NANOS = 100_000_000L;
        private final PrintWriter err;
        private final boolean enabled;
        private final boolean bar;
        private final long totalBytes;
        private final CountingStream counted;
        private long lastShownNanos = System.nanoTime();

        Progress(PrintWriter err, boolean enabled, boolean bar, long totalBytes, CountingStream counted) {
            this.err = err;
            this.enabled = enabled;
            this.bar = bar;
            this.totalBytes = totalBytes;
            this.counted = counted;
        }

        void update(long events, long lines) {
            long now = System.nanoTime();
            if (!enabled || now - lastShownNanos < (bar ? BAR_EVERY_NANOS : PLAIN_EVERY_NANOS)) {
                return;
            }
            lastShownNanos = now;
            show(events, lines);
        }

        void done(long events, long lines) {
            if (enabled && bar) {
                show(events, lines);
                err.print('\n');
                err.flush();
            }
        }

        private void show(long events, long lines) {
            if (!bar) {
                err.println("sent " + events + " events (" + lines + " lines read)");
                err.flush();
                return;
            }
            String counts = String.format(Locale.ROOT, " %,d events, %,d lines", events, lines);
            if (totalBytes > 0) {
                int width = 30;
                double share = Math.min(1.0, counted.bytes() / (double) totalBytes);
                int filled = (int) Math.round(share * width);
                err.print("\r[" + "#".repeat(filled) + ".".repeat(width - filled) + "] "
                        + String.format(Locale.ROOT, "%3d%%", Math.round(share * 100)) + counts);
            } else {
                err.print("\r" + counts.trim());
            }
            err.flush();
        }
    }
}
