package io.larch.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.larch.alert.AlertConflictException;
import io.larch.ingest.IngestCounters;
import io.larch.ingest.InsufficientStorageException;
import io.larch.ingest.InvalidBatchException;
import io.larch.ingest.RejectedRequestException;
import io.larch.model.InvalidInputException;
import io.larch.query.QueryException;
import io.larch.search.QueryCancelledException;
import io.larch.search.QueryFailedException;
import io.larch.search.QueryOutOfMemoryException;
import io.larch.search.QueryTimeoutException;
import io.larch.tail.TooManyStreamsException;
import io.larch.security.AuthException;
import io.larch.security.ConflictException;
import io.larch.security.NotFoundException;
import io.larch.security.RateLimitedException;
import io.larch.security.SignatureCacheFullException;
import io.larch.wal.WalException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps exceptions to status codes and {@link ApiError} bodies. Unknown failures are 500 and logged. */
final class ErrorMapping {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);
    /** The header that carries a 500's error id, the key to its entry in the server log. */
    static final String ERROR_ID_HEADER = "X-Larch-Error-Id";

    /** What a client is told when a write found the disk full. */
    static final String DISK_FULL = "the server's disk is full: nothing of this request was stored or acknowledged;"
            + " keep the events and retry after Retry-After seconds (the operator must free space on the data dir's"
            + " disk, or lower LARCH_MIN_FREE_DISK)";

    private ErrorMapping() {
    }

    /**
     * Installs the mappings; refusals of credentials and rate limits are counted in {@code metrics},
     * requests refused with 413 in {@code ingestCounters} (ingest counts its other refusals itself).
     */
    static void install(JavalinConfig config, MeterRegistry metrics, IngestCounters ingestCounters) {
        config.routes.exception(InvalidBatchException.class, (e, ctx) ->
                respond(ctx, 400, new ApiError(e.getMessage(), e.errors(), null)));
        config.routes.exception(RejectedRequestException.class, (e, ctx) -> {
            if (e.status() == 413) {
                ingestCounters.tooLarge();
            }
            if (e.status() == 503) {
                ctx.header("Retry-After", "1");
            }
            respond(ctx, e.status(), ApiError.of(e.getMessage()));
        });
        config.routes.exception(QueryException.class, (e, ctx) ->
                respond(ctx, 400, new ApiError("bad query: " + e.getMessage(), null, e.position())));
        config.routes.exception(InvalidInputException.class, (e, ctx) -> respond(ctx, 400, ApiError.of(e.getMessage())));
        config.routes.exception(AuthException.class, (e, ctx) -> {
            Counter.builder("larch_auth_refusals").tag("status", Integer.toString(e.status()))
                    .description("requests refused for their credential: 401 missing, unknown, revoked, expired or badly signed; 403 not allowed")
                    .register(metrics).increment();
            if (e.status() == 401) {
                ctx.header("WWW-Authenticate", "Bearer");
            }
            respond(ctx, e.status(), ApiError.of(e.getMessage()));
        });
        config.routes.exception(RateLimitedException.class, (e, ctx) -> {
            Counter.builder("larch_rate_limited").tag("limit", e.limit())
                    .description("requests refused with 429 by a rate limit, by limit").register(metrics).increment();
            ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", e.getMessage());
            body.put("limit", e.limit());
            body.put("limitPerMinute", e.perMinute());
            body.put("retryAfterSeconds", e.retryAfterSeconds());
            ctx.status(429).json(body);
        });
        config.routes.exception(SignatureCacheFullException.class, (e, ctx) -> {
            ctx.header("Retry-After", Long.toString(Math.max(1, e.retryAfterSeconds())));
            respond(ctx, 503, ApiError.of(e.getMessage()));
        });
        config.routes.exception(NotFoundException.class, (e, ctx) -> respond(ctx, 404, ApiError.of(e.getMessage())));
        config.routes.exception(ConflictException.class, (e, ctx) -> respond(ctx, 409, ApiError.of(e.getMessage())));
        config.routes.exception(AlertConflictException.class, (e, ctx) -> respond(ctx, 409, ApiError.of(e.getMessage())));
        Counter diskFullRejections = Counter.builder("larch_ingest_rejected_disk_full")
                .description("ingest requests answered 507: the data dir's disk was below LARCH_MIN_FREE_DISK or full")
                .register(metrics);
        config.routes.exception(InsufficientStorageException.class, (e, ctx) ->
                insufficientStorage(ctx, diskFullRejections, e.getMessage(), e.freeBytes(), e.floorBytes()));
        config.routes.exception(WalException.class, (e, ctx) -> {
            if (e.diskFull()) {
                LOG.warn("ingest could not store a batch: {}", e.getMessage());
                insufficientStorage(ctx, diskFullRejections, DISK_FULL, -1, -1);
                return;
            }
            LOG.error("ingest failed to persist a batch: {}", e.getMessage());
            ctx.header("Retry-After", "5");
            respond(ctx, 503, ApiError.of("could not store the batch (" + e.getMessage()
                    + "); nothing was acknowledged, retry later"));
        });
        config.routes.exception(QueryTimeoutException.class, (e, ctx) -> respond(ctx, 503, ApiError.of(e.getMessage())));
        config.routes.exception(QueryCancelledException.class, (e, ctx) -> {
            LOG.debug("query cancelled: {}", e.getMessage());
            respond(ctx, 503, ApiError.of("the query was cancelled: " + e.getMessage()));
        });
        config.routes.exception(TooManyStreamsException.class, (e, ctx) -> {
            ctx.header("Retry-After", "5");
            respond(ctx, 429, ApiError.of(e.getMessage()));
        });
        config.routes.exception(TooManyQueriesException.class, (e, ctx) -> {
            ctx.header("Retry-After", "1");
            respond(ctx, 429, ApiError.of(e.getMessage()));
        });
        config.routes.exception(QueryOutOfMemoryException.class, (e, ctx) -> {
            LOG.warn("query ran out of DuckDB memory: {}", e.getCause().getMessage());
            ctx.header("Retry-After", "5");
            respond(ctx, 503, ApiError.of(e.getMessage()));
        });
        config.routes.exception(QueryFailedException.class, (e, ctx) -> internalError(ctx, "the query failed", e));
        config.routes.exception(Exception.class, (e, ctx) -> internalError(ctx, "internal error", e));
        config.routes.error(404, ctx -> {
            if (!isJson(ctx)) {
                respond(ctx, 404, ApiError.of("no such endpoint: " + ctx.method() + " " + ctx.path()));
            }
        });
        config.routes.error(405, ctx -> {
            if (!isJson(ctx)) {
                respond(ctx, 405, ApiError.of("method " + ctx.method() + " is not allowed on " + ctx.path()));
            }
        });
        // Refusals by Javalin or Jetty themselves (an undecodable path, a body over the limit):
        // the same JSON body as every other error.
        for (int status : List.of(400, 406, 408, 411, 413, 414, 415, 416, 431)) {
            config.routes.error(status, ctx -> {
                if (!isJson(ctx)) {
                    respond(ctx, status, ApiError.of(JettyErrorResponses.message(status, null)));
                }
            });
        }
    }

    /**
     * 507 Insufficient Storage: nothing of the request was stored; the client keeps the batch and
     * retries after Retry-After (space returns when an operator frees it or sealing shrinks the
     * WAL), the operator frees space or lowers the floor. Free bytes and floor are given when known.
     */
    private static void insufficientStorage(Context ctx, Counter rejections, String message, long freeBytes,
                                            long floorBytes) {
        rejections.increment();
        ctx.header("Retry-After", Integer.toString(InsufficientStorageException.RETRY_AFTER_SECONDS));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        if (freeBytes >= 0) {
            body.put("freeBytes", freeBytes);
            body.put("minFreeBytes", floorBytes);
        }
        body.put("retryAfterSeconds", InsufficientStorageException.RETRY_AFTER_SECONDS);
        ctx.status(507).json(body);
    }

    /**
     * Whether a handler already wrote a JSON error, or a protobuf one (OTLP answers in the
     * request's encoding); then Javalin's generic error page must not replace it.
     */
    private static boolean isJson(Context ctx) {
        String type = ctx.res().getContentType();
        return type != null && (type.startsWith("application/json") || type.startsWith("application/x-protobuf"));
    }

    /**
     * A fault of the server, not of the request: logged with a fresh error id, answered 500 with
     * that id (body and {@value #ERROR_ID_HEADER} header) and nothing of the fault itself, since
     * its message may hold paths or data of other requests.
     */
    private static void internalError(Context ctx, String what, Exception e) {
        String errorId = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        LOG.error("{} on {} {} (error id {})", what, ctx.method(), ctx.path(), errorId, e);
        ctx.header(ERROR_ID_HEADER, errorId);
        respond(ctx, 500, ApiError.of(what + " inside the server (error id " + errorId
                + "); the server log has the details under that id"));
    }

    static void respond(Context ctx, int status, ApiError error) {
        ctx.status(status).json(error);
    }
}
