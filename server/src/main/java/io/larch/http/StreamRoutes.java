package io.larch.http;

import io.javalin.http.Context;
import io.larch.model.EventId;
import io.larch.model.InvalidInputException;
import io.larch.query.Query;
import io.larch.search.Searcher;
import io.larch.security.AuthException;
import io.larch.security.Caller;
import io.larch.tail.EndReason;
import io.larch.tail.StreamFilter;
import io.larch.tail.StreamKind;
import io.larch.tail.StreamSession;
import io.larch.tail.Subscription;
import io.larch.tail.TailHub;
import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live streams: {@code GET /api/log/stream} (events matching a query) and
 * {@code GET /api/work-log/stream} (one end user's work logs), as Server-Sent Events or NDJSON.
 * {@code Last-Event-ID} (or {@code lastEventId}) resumes after that event. Errors before the
 * stream starts are ordinary JSON errors; once it runs, the server says why it ends in an
 * {@code end} event.
 */
final class StreamRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(StreamRoutes.class);

    private final TailHub hub;
    private final Searcher searcher;
    private final QueryGate gate;
    private final Credentials credentials;
    private final StreamSession.Timing timing;
    private final Clock clock;
    /** Streams whose client hung up end within a second, so they do not hold a slot until the next heartbeat. */
    private final DisconnectWatcher hangUps = new DisconnectWatcher(DisconnectWatcher.STREAM_POLL_MILLIS);
    private final RenderedEvents rendered = new RenderedEvents();

    StreamRoutes(TailHub hub, Searcher searcher, QueryGate gate, Credentials credentials, StreamSession.Timing timing,
                 Clock clock) {
        this.hub = hub;
        this.searcher = searcher;
        this.gate = gate;
        this.credentials = credentials;
        this.timing = timing;
        this.clock = clock;
    }

    void install(RouteTable routes) {
        routes.get("/api/log/stream", Access.READ, (ctx, grant) -> {
            long now = clock.millis();
            stream(ctx, grant, Access.READ, StreamKind.LOG, LogFilters.of(ctx, grant.project(), now).query(),
                    logFilter(ctx, grant, now));
        });
        routes.get("/api/work-log/stream", Access.WORK_LOG_READ, (ctx, grant) -> {
            WorkLogScope scope = workLogs(ctx, grant);
            stream(ctx, grant, Access.WORK_LOG_READ, StreamKind.WORK_LOG, scope.query(), workLogFilter(scope));
        });
    }

    /** The log stream's filters, as other nodes are asked for them (relative times resolved at {@code now}). */
    private static StreamFilter logFilter(Context ctx, Grant grant, long now) {
        Map<String, String> params = new HashMap<>();
        for (String name : List.of("q", "kind", "level", "from", "to")) {
            String value = ctx.queryParam(name);
            if (value != null && !value.isBlank()) {
                params.put(name, value);
            }
        }
        params.put("now", Long.toString(now));
        return new StreamFilter(grant.project().id(), params);
    }

    /** One end user's work logs, as other nodes are asked for them. */
    private static StreamFilter workLogFilter(WorkLogScope scope) {
        Map<String, String> params = new HashMap<>();
        params.put("kind", "work");
        params.put("userId", scope.userId());
        if (scope.conversationId() != null) {
            params.put("conversationId", scope.conversationId());
        }
        return new StreamFilter(scope.projectId(), params);
    }

    private void stream(Context ctx, Grant grant, Access access, StreamKind kind, Query query, StreamFilter filter)
            throws IOException, InterruptedException {
        boolean ndjson = ndjson(ctx);
        Long resumeAfter = resumeAfter(ctx);
        EventStreamOutput output = new EventStreamOutput(ctx.res().getOutputStream(), ndjson, rendered);
        Subscription subscription = hub.open(kind, grant.project().id(), query);
        StreamSession.StoredAfter stored = (afterId, limit) -> {
            // Catch-up reads take a query's time budget but none of the key's query slots: a
            // restart makes every stream of a key resume at once, and they must not get 429s.
            Searcher.AfterPage page = gate.runLookup(ctx, budget -> searcher.after(query, afterId, limit, budget));
            return new StreamSession.Page(page.events(), page.more(), page.partsSkipped());
        };
        // With several nodes the other nodes' events are read from them too.
        StreamSession session = new StreamSession(hub, subscription, hub.catchUp(stored, filter),
                guard(ctx, grant, access), timing, clock);
        ctx.status(200);
        ctx.contentType(EventStreamOutput.contentType(ndjson));
        ctx.header("Cache-Control", "no-cache, no-transform");
        // nginx and friends buffer responses unless told not to: a tail must arrive as it happens.
        ctx.header("X-Accel-Buffering", "no");
        subscription.onAbort(() -> cutConnection(ctx));
        Runnable unwatch = hangUps.watch(ctx, () -> subscription.end(EndReason.CLIENT_GONE,
                "the client closed the connection"));
        try {
            output.open();
            session.run(resumeAfter, output);
        } catch (IOException clientGone) {
            LOG.debug("a live stream's client went away: {}", clientGone.getMessage());
        } catch (RuntimeException e) {
            // The response has started: the client is told in the stream, not with a status.
            LOG.warn("a live stream failed: {}", e.getMessage());
            try {
                subscription.end(EndReason.FAILED, "the stream failed");
                output.end(EndReason.FAILED, "the stream failed (" + e.getMessage()
                        + "); reconnect with Last-Event-ID to resume");
            } catch (IOException ignored) {
                // The client is gone as well.
            }
        } finally {
            unwatch.run();
            subscription.close();
        }
    }

    /** Closes the request's connection under its blocked writer, which then fails at once. */
    private static void cutConnection(Context ctx) {
        try {
            ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
                    .getEndPoint().close();
        } catch (RuntimeException notJetty) {
            LOG.debug("could not cut a stream's connection: {}", notJetty.getMessage());
        }
    }

    /** Stops watching for hung-up clients (the server is stopping). */
    void close() {
        hangUps.close();
    }

    /** One end user's work logs: a stream is one user's feed (the per-user stream cap counts it). */
    private static WorkLogScope workLogs(Context ctx, Grant grant) {
        WorkLogScope scope = WorkLogScope.of(ctx, grant);
        if (scope.userId() == null) {
            throw new InvalidInputException("userId: required; a work-log stream is one end user's feed"
                    + " (for every user's work logs use GET /api/log/stream?kind=work)");
        }
        return scope;
    }

    /** The credential is checked again on each heartbeat and when a key is revoked anywhere on this node. */
    private StreamSession.Guard guard(Context ctx, Grant grant, Access access) {
        long expiresAt = grant.caller() instanceof Caller.Viewer viewer ? viewer.expiresAtMillis() : Long.MAX_VALUE;
        return new StreamSession.Guard() {
            @Override
            public String refusal() {
                try {
                    credentials.grant(ctx, access, grant.clientIp());
                    return null;
                } catch (AuthException e) {
                    return e.getMessage();
                }
            }

            @Override
            public long expiresAtMillis() {
                return expiresAt;
            }
        };
    }

    private static boolean ndjson(Context ctx) {
        String format = ctx.queryParam("format");
        if (format == null || format.isBlank()) {
            return false;
        }
        return switch (format.trim().toLowerCase(Locale.ROOT)) {
            case "sse" -> false;
            case "ndjson" -> true;
            default -> throw new InvalidInputException("format: use sse (the default) or ndjson, got '" + format + "'");
        };
    }

    /** The {@code Last-Event-ID} header, else the {@code lastEventId} parameter; null to start live. */
    private static Long resumeAfter(Context ctx) {
        String header = ctx.header("Last-Event-ID");
        String text = header != null && !header.isBlank() ? header : ctx.queryParam("lastEventId");
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return EventId.parse(text.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("Last-Event-ID: not an event id: '" + text.trim()
                    + "' (send the id: of the last event received, 13 characters)");
        }
    }
}
