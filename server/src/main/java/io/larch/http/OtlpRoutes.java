package io.larch.http;

import io.javalin.http.Context;
import io.larch.ingest.protocol.ProjectIngest;
import io.larch.ingest.IngestLimits;
import io.larch.ingest.RejectedRequestException;
import io.larch.ingest.protocol.otlp.OtlpDecodeException;
import io.larch.ingest.protocol.otlp.OtlpEncoding;
import io.larch.ingest.protocol.otlp.OtlpLogBatch;
import io.larch.ingest.protocol.otlp.OtlpLogs;

/**
 * {@code POST /v1/logs}: OTLP/HTTP logs, as OpenTelemetry SDKs and the Collector's otlphttp
 * exporter send them (binary protobuf or OTLP/JSON, optionally gzip). Answers as OTLP specifies:
 * 200 with an {@code ExportLogsServiceResponse} in the request's encoding, carrying a partial
 * success when records were refused (the exporter must not retry those); 400 with a
 * {@code google.rpc.Status}-shaped body for a body that cannot be decoded (not retryable); 415 for
 * another content type. Refusals of the credential (401, 403), rate limits (429) and a full or
 * failing disk (503, 507) come from the shared error mapping, with Retry-After; OTLP exporters
 * retry 429 and 503 (the spec asks them to wait Retry-After; the Java SDK uses its own backoff).
 */
final class OtlpRoutes {
    /**
     * The body as sent (usually gzip). An SDK's default batch is 512 records; 4 MB compressed
     * leaves room for large ones without letting one request hold much memory.
     */
    static final int MAX_COMPRESSED_BODY_BYTES = 4 * 1024 * 1024;
    /** The body once decompressed: 512 records of the largest message Larch keeps, with room to spare. */
    static final int MAX_DECODED_BODY_BYTES = 16 * 1024 * 1024;

    private final ProtocolIngest protocolIngest;

    OtlpRoutes(ProtocolIngest protocolIngest) {
        this.protocolIngest = protocolIngest;
    }

    void install(RouteTable routes) {
        routes.post("/v1/logs", Access.INGEST, MAX_COMPRESSED_BODY_BYTES, this::export);
    }

    private void export(Context ctx, Grant grant, byte[] rawBody) {
        OtlpEncoding encoding = OtlpEncoding.ofContentType(ctx.header("Content-Type"));
        if (encoding == null) {
            String sent = ctx.header("Content-Type");
            refuse(ctx, 415, "Content-Type must be application/x-protobuf or application/json (OTLP/HTTP), got "
                    + (sent == null ? "none" : "'" + sent + "'"), OtlpEncoding.JSON);
            return;
        }
        byte[] body;
        try {
            body = RequestBodies.decode(ctx, rawBody, MAX_DECODED_BODY_BYTES);
        } catch (RejectedRequestException e) {
            // The shared message counts native events; an exporter is told what to change instead.
            String message = e.status() == 413 ? "the decompressed body is larger than "
                    + (MAX_DECODED_BODY_BYTES / (1024 * 1024)) + " MB; lower the exporter's batch size" : e.getMessage();
            refuse(ctx, e.status(), message, encoding);
            return;
        }
        OtlpLogBatch batch;
        try {
            batch = OtlpLogs.decode(body, encoding);
        } catch (RejectedRequestException e) {
            refuse(ctx, e.status(), e.getMessage(), encoding);
            return;
        } catch (OtlpDecodeException e) {
            refuse(ctx, 400, e.getMessage(), encoding);
            return;
        }
        ProjectIngest.Outcome outcome = protocolIngest.store(ctx, grant, rawBody, batch.events());
        ctx.status(200).contentType(encoding.contentType())
                .result(OtlpLogs.response(outcome.rejectedCount(), partialSuccessMessage(outcome, batch), encoding));
    }

    /** Why records were refused and attributes dropped, in one line; null when nothing was. */
    private static String partialSuccessMessage(ProjectIngest.Outcome outcome, OtlpLogBatch batch) {
        StringBuilder message = new StringBuilder();
        if (outcome.rejectedCount() > 0) {
            ProjectIngest.Rejected first = outcome.rejected().getFirst();
            message.append(outcome.rejectedCount()).append(outcome.rejectedCount() == 1 ? " log record" : " log records")
                    .append(" refused; the first, record ").append(first.index()).append(" of the request: ")
                    .append(first.reason());
        }
        if (batch.droppedAttributes() > 0) {
            if (!message.isEmpty()) {
                message.append("; ");
            }
            message.append(batch.droppedAttributes()).append(" attributes dropped (Larch keeps at most ")
                    .append(IngestLimits.MAX_ATTRS).append(" per record, record attributes first, with keys of at most ")
                    .append(IngestLimits.MAX_ATTR_KEY_CHARS).append(" characters)");
        }
        return message.isEmpty() ? null : message.toString();
    }

    /** A status other than 200, with a google.rpc.Status body in the request's encoding. */
    private static void refuse(Context ctx, int status, String message, OtlpEncoding encoding) {
        ctx.status(status).contentType(encoding.contentType())
                .result(OtlpLogs.status(OtlpLogs.CODE_INVALID_ARGUMENT, message, encoding));
    }
}
