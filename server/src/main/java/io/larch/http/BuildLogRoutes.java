package io.larch.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.javalin.http.Context;
import io.larch.datadir.FileNames;
import io.larch.ingest.IngestLimits;
import io.larch.lifecycle.BuildLogArchiver;
import io.larch.meta.BuildLogRecord;
import io.larch.model.EventId;
import io.larch.model.InvalidInputException;
import io.larch.model.LogEvent;
import io.larch.objectstore.ObjectStoreException;
import io.larch.query.Field;
import io.larch.query.Query;
import io.larch.search.Searcher;
import io.larch.security.NotFoundException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A build's or a deployment's whole log in one request: {@code GET /api/builds/{buildId}/logs}
 * and {@code GET /api/deployments/{deploymentId}/logs} ({@code format=json}, the default,
 * {@code ndjson} or {@code text}), and {@code .../logs.ndjson.gz}, the NDJSON gzipped as a file
 * download. Every event of the project carrying the id, oldest first (id order, which is arrival
 * order), paged through the store and written as it is read, never held whole in memory; at most
 * {@link BuildLogArchiver.Options#maxLines} lines, with a note when cut. A build's {@code .gz} comes
 * from its archived object when that object covers the build's newest line, else from the store:
 * the bytes inside are the same either way.
 */
final class BuildLogRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(BuildLogRoutes.class);
    private static final JsonFactory JSON = new JsonFactoryBuilder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .rootValueSeparator((String) null).build();
    /** The text format's time: fixed width, milliseconds, UTC. */
    static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final int OUTPUT_BUFFER_BYTES = 1 << 16;

    /** What the log is of: the path parameter, the query field, the JSON name. */
    enum Subject {
        BUILD("buildId", Field.BUILD, "build"),
        DEPLOYMENT("deploymentId", Field.DEPLOYMENT, "deployment");

        final String param;
        final Field field;
        final String noun;

        Subject(String param, Field field, String noun) {
            this.param = param;
            this.field = field;
            this.noun = noun;
        }
    }

    enum Format { JSON, NDJSON, TEXT, NDJSON_GZ }

    private final Searcher searcher;
    private final QueryGate gate;
    /** Null when archiving is off: every answer is built from the store. */
    private final BuildLogArchiver archiver;
    private final Path tmpDir;
    private final int maxLines;
    private final int pageLines;

    BuildLogRoutes(Searcher searcher, QueryGate gate, BuildLogArchiver archiver, Path dataDir,
                   BuildLogArchiver.Options limits) {
        this.searcher = searcher;
        this.gate = gate;
        this.archiver = archiver;
        this.tmpDir = FileNames.tmpDir(dataDir);
        this.maxLines = limits.maxLines();
        this.pageLines = limits.pageLines();
    }

    void install(RouteTable routes) {
        for (Subject subject : Subject.values()) {
            String base = "/api/" + subject.noun + "s/{" + subject.param + "}/logs";
            routes.get(base, Access.READ, (ctx, grant) -> serve(ctx, grant, subject, format(ctx)));
            routes.get(base + ".ndjson.gz", Access.READ, (ctx, grant) -> {
                if (ctx.queryParam("format") != null) {
                    throw new InvalidInputException("format: the .ndjson.gz download is always NDJSON; for json or "
                            + "text ask " + base.replace("{" + subject.param + "}", ctx.pathParam(subject.param))
                            + "?format=...");
                }
                serve(ctx, grant, subject, Format.NDJSON_GZ);
            });
        }
    }

    private void serve(Context ctx, Grant grant, Subject subject, Format format) throws IOException {
        String id = subjectId(ctx, subject);
        long projectId = grant.project().id();
        long afterId = afterId(ctx);
        Query query = BuildLines.of(subject.field, projectId, id);
        gate.runPaged(ctx, grant.caller(), reads -> {
            if (format == Format.NDJSON_GZ && subject == Subject.BUILD && afterId == 0
                    && serveArchived(ctx, reads, query, projectId, id)) {
                return;
            }
            Searcher.AfterPage first = reads.read(budget -> searcher.after(query, afterId, pageLimit(0), budget));
            if (first.events().isEmpty() && afterId == 0) {
                throw new NotFoundException("no events of " + subject.noun + " '" + id + "' in project '"
                        + grant.project().slug() + "'" + (first.partsSkipped() > 0 ? " (" + first.partsSkipped()
                        + " damaged parts could not be read)" : "") + "; events join a " + subject.noun + " by their \""
                        + subject.param + "\" field, and ids are per project: check the id and the key's project");
            }
            stream(ctx, reads, query, subject, id, format, first);
        });
    }

    /**
     * Answers with the build's archived object when there is one and no line of the build is
     * newer than it (nor could hide in a damaged part); false to build the answer from the store.
     */
    private boolean serveArchived(Context ctx, QueryGate.PagedReads reads, Query query, long projectId, String id)
            throws IOException {
        Optional<BuildLogRecord> archived = archiver == null ? Optional.empty() : archiver.archived(projectId, id);
        if (archived.isEmpty()) {
            return false;
        }
        BuildLogRecord record = archived.get();
        Searcher.AfterPage newer = reads.read(budget -> searcher.after(query, record.maxEventId(), 1, budget));
        if (!newer.events().isEmpty() || newer.partsSkipped() > 0) {
            return false;
        }
        Path copy = tmpDir.resolve("build-log-" + UUID.randomUUID() + FileNames.TMP_SUFFIX);
        try {
            try {
                archiver.fetch(record, copy);
            } catch (ObjectStoreException e) {
                // The store is the data of record: a missing or damaged object only costs a slower answer.
                LOG.warn("cannot read the archived log of build {} ({}); answering from the store: {}", id,
                        record.objectKey(), e.getMessage());
                return false;
            }
            downloadHeaders(ctx, Subject.BUILD, id);
            ctx.header("X-Larch-Source", "archive");
            ctx.header("Content-Length", Long.toString(Files.size(copy)));
            try (OutputStream out = ctx.res().getOutputStream()) {
                Files.copy(copy, out);
            }
            return true;
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /**
     * Writes {@code first} and every page after it. Once the answer has started a failure cannot
     * change its status: the connection is cut instead, so the client sees a broken transfer
     * (and gzip a broken stream), never a short answer that looks whole.
     */
    private void stream(Context ctx, QueryGate.PagedReads reads, Query query, Subject subject, String id,
                        Format format, Searcher.AfterPage first) {
        ctx.status(200);
        switch (format) {
            case JSON -> ctx.contentType("application/json");
            case NDJSON -> ctx.contentType("application/x-ndjson");
            case TEXT -> ctx.contentType("text/plain; charset=utf-8");
            case NDJSON_GZ -> {
                downloadHeaders(ctx, subject, id);
                ctx.header("X-Larch-Source", "store");
            }
        }
        if (first.partsSkipped() > 0) {
            ctx.header("X-Larch-Partial", "true");
            ctx.header("X-Larch-Parts-Skipped", Integer.toString(first.partsSkipped()));
        }
        try {
            // Closed only when whole: closing ends the gzip stream and the chunked body cleanly.
            OutputStream body = body(ctx, format);
            LineSink sink = sink(format, body, subject, id);
            long lines = 0;
            int partsSkipped = first.partsSkipped();
            Searcher.AfterPage page = first;
            String next = null;
            while (true) {
                sink.events(page.events());
                lines += page.events().size();
                if (!page.more() || page.events().isEmpty()) {
                    break;
                }
                long last = page.events().getLast().id();
                if (lines >= maxLines) {
                    next = EventId.format(last);
                    break;
                }
                long done = lines;
                page = reads.read(budget -> searcher.after(query, last, pageLimit(done), budget));
                partsSkipped = Math.max(partsSkipped, page.partsSkipped());
            }
            sink.end(partsSkipped, next);
            body.close();
        } catch (IOException clientGone) {
            LOG.debug("a build-log download's client went away: {}", clientGone.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("a {} log download of '{}' failed after it started; cutting the connection: {}", subject.noun, id,
                    e.getMessage());
            cutConnection(ctx);
        }
    }

    private static OutputStream body(Context ctx, Format format) throws IOException {
        OutputStream raw = ctx.res().getOutputStream();
        return format == Format.NDJSON_GZ ? new GZIPOutputStream(raw, OUTPUT_BUFFER_BYTES)
                : new BufferedOutputStream(raw, OUTPUT_BUFFER_BYTES);
    }

    private static void downloadHeaders(Context ctx, Subject subject, String id) {
        ctx.contentType("application/gzip");
        ctx.header("Content-Disposition", "attachment; filename=\"" + subject.noun + "-" + fileNameSafe(id)
                + ".ndjson.gz\"");
    }

    private int pageLimit(long linesSoFar) {
        return (int) Math.min(pageLines, maxLines - linesSoFar);
    }

    /** Writes pages in one format, then the end: the fields or lines that say the answer is not whole. */
    private interface LineSink {
        void events(List<LogEvent> events) throws IOException;

        /** {@code partsSkipped}: damaged parts that could have held lines; {@code next}: set when cut at the line limit. */
        void end(int partsSkipped, String next) throws IOException;
    }

    private LineSink sink(Format format, OutputStream out, Subject subject, String id) throws IOException {
        return switch (format) {
            case JSON -> jsonSink(out, subject, id);
            case NDJSON, NDJSON_GZ -> new LineSink() {
                @Override
                public void events(List<LogEvent> events) throws IOException {
                    EventJson.writeLines(events, out);
                }

                @Override
                public void end(int partsSkipped, String next) throws IOException {
                    try (JsonGenerator json = JSON.createGenerator(out)) {
                        if (partsSkipped > 0) {
                            json.writeStartObject();
                            json.writeStringField("larch", "partial");
                            json.writeNumberField("partsSkipped", partsSkipped);
                            json.writeEndObject();
                            json.writeRaw('\n');
                        }
                        if (next != null) {
                            json.writeStartObject();
                            json.writeStringField("larch", "truncated");
                            json.writeNumberField("maxLines", maxLines);
                            json.writeStringField("next", next);
                            json.writeEndObject();
                            json.writeRaw('\n');
                        }
                    }
                }
            };
            case TEXT -> new LineSink() {
                @Override
                public void events(List<LogEvent> events) throws IOException {
                    StringBuilder lines = new StringBuilder(events.size() * 96);
                    for (LogEvent event : events) {
                        textLine(event, lines);
                    }
                    out.write(lines.toString().getBytes(StandardCharsets.UTF_8));
                }

                @Override
                public void end(int partsSkipped, String next) throws IOException {
                    StringBuilder notes = new StringBuilder();
                    if (partsSkipped > 0) {
                        notes.append("# larch: partial: ").append(partsSkipped)
                                .append(" damaged parts were skipped; some lines may be missing\n");
                    }
                    if (next != null) {
                        notes.append("# larch: truncated at ").append(maxLines).append(" lines; ask again with after=")
                                .append(next).append('\n');
                    }
                    out.write(notes.toString().getBytes(StandardCharsets.UTF_8));
                }
            };
        };
    }

    /** {@code {"buildId":"..","events":[...],"partial":false}}, plus {@code partsSkipped} or {@code truncated}/{@code next} when so. */
    private LineSink jsonSink(OutputStream out, Subject subject, String id) throws IOException {
        JsonGenerator json = JSON.createGenerator(out);
        json.writeStartObject();
        json.writeStringField(subject.param, id);
        json.writeArrayFieldStart("events");
        return new LineSink() {
            @Override
            public void events(List<LogEvent> events) throws IOException {
                for (LogEvent event : events) {
                    EventJson.write(json, event);
                }
            }

            @Override
            public void end(int partsSkipped, String next) throws IOException {
                json.writeEndArray();
                json.writeBooleanField("partial", partsSkipped > 0);
                if (partsSkipped > 0) {
                    json.writeNumberField("partsSkipped", partsSkipped);
                }
                if (next != null) {
                    json.writeBooleanField("truncated", true);
                    json.writeNumberField("maxLines", maxLines);
                    json.writeStringField("next", next);
                }
                json.writeEndObject();
                json.close();
            }
        };
    }

    /**
     * One event as one line of text: {@code 2026-12-03T08:15:02.123Z ERROR message}; line breaks
     * inside the message are written as {@code \n} (and {@code \r}) so one event stays one line.
     */
    static void textLine(LogEvent event, StringBuilder into) {
        TEXT_TIME.formatTo(java.time.Instant.ofEpochMilli(event.ts()), into);
        into.append(' ');
        String level = event.level().name();
        into.append(level);
        for (int pad = level.length(); pad < 5; pad++) {
            into.append(' ');
        }
        into.append(' ');
        String message = event.message();
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> into.append("\\n");
                case '\r' -> into.append("\\r");
                default -> into.append(c);
            }
        }
        into.append('\n');
    }

    private static String subjectId(Context ctx, Subject subject) {
        String id = ctx.pathParam(subject.param).trim();
        if (id.isEmpty() || id.length() > IngestLimits.MAX_ID_CHARS) {
            throw new InvalidInputException(subject.param + ": give the " + subject.noun + "'s id (1 to "
                    + IngestLimits.MAX_ID_CHARS + " characters) in the path");
        }
        return id;
    }

    private static long afterId(Context ctx) {
        String after = ctx.queryParam("after");
        if (after == null || after.isBlank()) {
            return 0;
        }
        try {
            return EventId.parse(after.trim());
        } catch (RuntimeException e) {
            throw new InvalidInputException("after: not an event id: '" + after
                    + "' (use the \"next\" of a cut answer, or the id of the last line you have)");
        }
    }

    private static Format format(Context ctx) {
        String format = ctx.queryParam("format");
        if (format == null || format.isBlank()) {
            return Format.JSON;
        }
        return switch (format.trim().toLowerCase(Locale.ROOT)) {
            case "json" -> Format.JSON;
            case "ndjson" -> Format.NDJSON;
            case "text" -> Format.TEXT;
            default -> throw new InvalidInputException("format: use json (the default), ndjson or text, got '" + format
                    + "'; for a gzip download ask .../logs.ndjson.gz");
        };
    }

    /** {@code id} for a file name: letters, digits and {@code . _ -}; anything else becomes {@code _}. */
    static String fileNameSafe(String id) {
        StringBuilder safe = new StringBuilder(id.length());
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-';
            safe.append(plain ? c : '_');
        }
        return safe.toString();
    }

    private static void cutConnection(Context ctx) {
        try {
            ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
                    .getEndPoint().close();
        } catch (RuntimeException notJetty) {
            LOG.debug("could not cut a download's connection: {}", notJetty.getMessage());
        }
    }
}
