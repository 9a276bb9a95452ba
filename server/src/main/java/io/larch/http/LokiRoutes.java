package io.larch.http;

import io.javalin.http.Context;
import io.larch.ingest.protocol.ProjectIngest;
import io.larch.ingest.protocol.loki.LokiEvents;
import io.larch.ingest.protocol.loki.LokiJsonPush;
import io.larch.ingest.protocol.loki.LokiProtobufPush;
import io.larch.ingest.protocol.loki.LokiSnappy;
import io.larch.ingest.protocol.loki.LokiStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /loki/api/v1/push}: Loki's push API, so that Promtail, Grafana Alloy, loki4j and
 * the other Loki clients ship to Larch unchanged. JSON ({@code Content-Type: application/json},
 * optionally gzip) or snappy-compressed protobuf (any other type, as Loki decides; with or without
 * {@code Content-Encoding: snappy}). Answers as Loki does: 204 once every entry is durable; 400
 * for a body that cannot be read (nothing stored); 401, 403, 413, 429 with Retry-After, 503.
 * <p>
 * When some entries are refused by validation (a line over 32 KB, a timestamp more than a day
 * ahead), the valid ones are stored and the answer is 400 naming how many were refused and why,
 * which is also what Loki does with streams that fail validation. A 4xx makes the shippers drop
 * the batch instead of retrying it: right for lines that would be refused again, and the valid
 * ones are already kept. (Promtail and Alloy retry 429 and 5xx; loki4j 429 and 503.)
 */
final class LokiRoutes {
    /**
     * The largest body taken, compressed or not, and the largest it may decompress to: above the
     * 4 MB batches loki4j sends by default and the 1 MB of Promtail and Alloy.
     */
    static final int MAX_PUSH_BYTES = 16 * 1024 * 1024;
    /** The response header counting labels dropped for Larch's attr limits (each event also lists its own). */
    static final String DROPPED_LABELS_HEADER = "X-Larch-Dropped-Labels";
    private static final int MAX_DETAILS = 20;

    private final ProtocolIngest ingest;
    private final Counter jsonPushes;
    private final Counter protobufPushes;
    private final Counter droppedLabels;

    LokiRoutes(ProtocolIngest ingest, MeterRegistry metrics) {
        this.ingest = ingest;
        this.jsonPushes = pushes(metrics, "json");
        this.protobufPushes = pushes(metrics, "protobuf");
        this.droppedLabels = Counter.builder("larch_loki_dropped_labels")
                .description("Loki labels and structured metadata dropped for the attr limits (the lines were kept)")
                .register(metrics);
    }

    private static Counter pushes(MeterRegistry metrics, String format) {
        return Counter.builder("larch_loki_pushes").tag("format", format)
                .description("Loki push requests read, by body format (before validation and storage)").register(metrics);
    }

    void install(RouteTable routes) {
        routes.post("/loki/api/v1/push", Access.INGEST, MAX_PUSH_BYTES, this::push);
    }

    private void push(Context ctx, Grant grant, byte[] rawBody) {
        LokiEvents.Mapped mapped = LokiEvents.map(decode(ctx, rawBody));
        if (mapped.droppedLabels() > 0) {
            droppedLabels.increment(mapped.droppedLabels());
            ctx.header(DROPPED_LABELS_HEADER, Integer.toString(mapped.droppedLabels()));
        }
        ProjectIngest.Outcome outcome = ingest.store(ctx, grant, rawBody, mapped.events());
        if (outcome.rejectedCount() == 0) {
            ctx.status(204);
            return;
        }
        List<Map<String, Object>> details = new ArrayList<>();
        for (ProjectIngest.Rejected rejected : outcome.rejected().subList(0, Math.min(MAX_DETAILS, outcome.rejectedCount()))) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("entry", mapped.position(rejected.index()));
            detail.put("reason", rejected.reason());
            details.add(detail);
        }
        ProjectIngest.Rejected first = outcome.rejected().getFirst();
        int stored = mapped.events().size() - outcome.rejectedCount();
        String message = outcome.rejectedCount() + " of " + mapped.events().size() + " entries were refused and not stored"
                + " (the other " + stored + " were stored, so do not send them again): first "
                + mapped.position(first.index()) + ": " + first.reason();
        ErrorMapping.respond(ctx, 400, new ApiError(message, details, null));
    }

    /** The streams of the body, by its Content-Type and Content-Encoding. */
    private List<LokiStream> decode(Context ctx, byte[] rawBody) {
        String encodingHeader = ctx.header("Content-Encoding");
        boolean snappyEncoded = encodingHeader != null && encodingHeader.trim().equalsIgnoreCase("snappy");
        byte[] body = snappyEncoded ? rawBody : RequestBodies.decode(ctx, rawBody, MAX_PUSH_BYTES);
        if (isJson(ctx.header("Content-Type"))) {
            List<LokiStream> streams = LokiJsonPush.decode(snappyEncoded ? LokiSnappy.uncompress(body, MAX_PUSH_BYTES) : body);
            jsonPushes.increment();
            return streams;
        }
        // Loki reads every other type as protobuf, which is always snappy-compressed, whatever Content-Encoding says.
        List<LokiStream> streams = LokiProtobufPush.decode(LokiSnappy.uncompress(body, MAX_PUSH_BYTES));
        protobufPushes.increment();
        return streams;
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }
}
