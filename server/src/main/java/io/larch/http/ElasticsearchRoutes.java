package io.larch.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.larch.ingest.protocol.ProjectIngest;
import io.larch.ingest.RejectedRequestException;
import io.larch.ingest.protocol.elasticsearch.BulkAction;
import io.larch.ingest.protocol.elasticsearch.BulkBody;
import io.larch.ingest.protocol.elasticsearch.BulkDocumentMapper;
import io.larch.ingest.protocol.elasticsearch.BulkFormatException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Elasticsearch bulk API as log shippers use it (rsyslog omelasticsearch, syslog-ng, Fluent
 * Bit's es output, Vector's elasticsearch sink): {@code POST /_bulk} and {@code /{index}/_bulk}
 * store index/create documents as events ({@link BulkDocumentMapper}) and answer per item as
 * Elasticsearch does, plus the few probes the shippers call first.
 * The probes other than {@code GET /} need an ingest key, as a secured cluster would: a shipper's
 * health check then fails on a wrong key instead of its first batch. {@code GET /} (served for
 * clients by {@link WebRoutes}, which owns the path) and {@code HEAD /} (200 from Javalin, which
 * answers HEAD wherever a GET route exists) are public: they say only which version is emulated,
 * as {@code /healthz} says the server is up.
 */
final class ElasticsearchRoutes {
    /** Elasticsearch clients (the official ones, Vector's version check) refuse a server without it. */
    static final String PRODUCT_HEADER = "X-Elastic-Product";
    /**
     * Shippers batch by size (rsyslog up to 100 MB unless told, Vector 10 MB): this is far above
     * a native batch but bounded; the README tells each shipper to stay under it.
     */
    static final int MAX_BULK_BYTES = 5 * 1024 * 1024;
    private static final int MAX_TEMPLATE_BYTES = 256 * 1024;
    private static final String VERSION = "8.11.0";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProtocolIngest ingest;

    ElasticsearchRoutes(ProtocolIngest ingest) {
        this.ingest = ingest;
    }

    void install(RouteTable routes) {
        routes.post("/_bulk", Access.INGEST, MAX_BULK_BYTES, this::bulk);
        routes.post("/{index}/_bulk", Access.INGEST, MAX_BULK_BYTES, this::bulk);
        routes.get("/_cluster/health", Access.INGEST, (ctx, grant) -> answer(ctx, clusterHealth()));
        routes.get("/_license", Access.INGEST, (ctx, grant) -> answer(ctx, JSON.createObjectNode().set("license", license())));
        routes.get("/_xpack", Access.INGEST, (ctx, grant) -> answer(ctx, xpack()));
        routes.get("/_nodes/http", Access.INGEST, (ctx, grant) -> answer(ctx, nodes(ctx)));
        // Fluent Bit, Vector and Beats may install a template first; there is no mapping to keep.
        routes.put("/_template/{name}", Access.INGEST, MAX_TEMPLATE_BYTES, this::acknowledge);
        routes.put("/_index_template/{name}", Access.INGEST, MAX_TEMPLATE_BYTES, this::acknowledge);
    }

    /**
     * Whether a {@code GET /} (or {@code HEAD /}) comes from an Elasticsearch client rather than a
     * browser: it carries a credential, or asks for JSON and not HTML. Browsers get the dashboard.
     */
    static boolean asksForClusterInfo(Context ctx) {
        if (ctx.header("Authorization") != null || ctx.header("X-Api-Key") != null) {
            return true;
        }
        String accept = ctx.header("Accept");
        return accept != null && accept.contains("application/json") && !accept.contains("text/html");
    }

    /** {@code GET /} for clients: the version the bulk API emulates (Vector picks its API version from it). */
    static void clusterInfo(Context ctx) {
        ObjectNode version = JSON.createObjectNode();
        version.put("number", VERSION);
        version.put("build_flavor", "default");
        version.put("lucene_version", "9.8.0");
        version.put("minimum_wire_compatibility_version", "7.17.0");
        version.put("minimum_index_compatibility_version", "7.0.0");
        ObjectNode info = JSON.createObjectNode();
        info.put("name", "larch");
        info.put("cluster_name", "larch");
        info.set("version", version);
        info.put("tagline", "You Know, for Search");
        answer(ctx, info);
    }

    private void bulk(Context ctx, Grant grant, byte[] rawBody) {
        long started = System.nanoTime();
        List<BulkAction> actions;
        try {
            byte[] body = RequestBodies.decode(ctx, rawBody, MAX_BULK_BYTES);
            actions = BulkBody.parse(body, ctx.pathParamMap().get("index"));
        } catch (RejectedRequestException e) {
            error(ctx, e.status(), "parse_exception", e.getMessage());
            return;
        } catch (BulkFormatException e) {
            error(ctx, 400, "illegal_argument_exception", e.getMessage());
            return;
        }
        if (actions.isEmpty()) {
            error(ctx, 400, "action_request_validation_exception", "Validation Failed: 1: no requests added;");
            return;
        }
        List<ObjectNode> events = new ArrayList<>();
        int[] eventOfAction = new int[actions.size()];
        for (int i = 0; i < actions.size(); i++) {
            BulkAction action = actions.get(i);
            eventOfAction[i] = -1;
            if (action.stores() && action.document() != null && action.index() != null) {
                eventOfAction[i] = events.size();
                events.add(BulkDocumentMapper.map(action.document(), action.index()));
            }
        }
        ProjectIngest.Outcome outcome = ingest.store(ctx, grant, rawBody, events);
        Map<Integer, String> rejected = new HashMap<>();
        for (ProjectIngest.Rejected refusal : outcome.rejected()) {
            rejected.put(refusal.index(), refusal.reason());
        }
        ArrayNode items = JSON.createArrayNode();
        boolean errors = false;
        for (int i = 0; i < actions.size(); i++) {
            BulkAction action = actions.get(i);
            ObjectNode item = item(action);
            String refusal = refusal(action, eventOfAction[i], rejected);
            if (refusal == null) {
                item.put("_version", 1);
                item.put("result", "created");
                item.set("_shards", shards());
                item.put("_seq_no", i);
                item.put("_primary_term", 1);
                item.put("status", 201);
            } else {
                errors = true;
                String[] typeAndReason = refusal.split("\n", 2);
                item.put("status", 400);
                item.set("error", errorCause(typeAndReason[0], typeAndReason[1]));
            }
            items.add(JSON.createObjectNode().set(action.type(), item));
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("took", (System.nanoTime() - started) / 1_000_000);
        response.put("errors", errors);
        response.set("items", items);
        answer(ctx, response);
    }

    /** Why {@code action} was not stored, as "type\nreason", or null when it was. */
    private static String refusal(BulkAction action, int event, Map<Integer, String> rejected) {
        if (!action.stores()) {
            return "illegal_argument_exception\nlarch stores logs append-only: " + action.type()
                    + " actions are not applied (send index or create)";
        }
        if (action.index() == null) {
            return "action_request_validation_exception\nValidation Failed: 1: index is missing;";
        }
        if (action.documentError() != null) {
            return "mapper_parsing_exception\n" + action.documentError();
        }
        String reason = rejected.get(event);
        return reason == null ? null : "mapper_parsing_exception\n" + reason;
    }

    private static ObjectNode item(BulkAction action) {
        ObjectNode item = JSON.createObjectNode();
        item.put("_index", action.index() == null ? "" : action.index());
        item.put("_id", action.id() != null ? action.id() : generatedId());
        return item;
    }

    /** A fresh id in Elasticsearch's style (20 URL-safe characters): Larch's own ids are not known per item. */
    private static String generatedId() {
        byte[] random = new byte[15];
        ThreadLocalRandom.current().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private void acknowledge(Context ctx, Grant grant, byte[] rawBody) {
        answer(ctx, JSON.createObjectNode().put("acknowledged", true));
    }

    private static ObjectNode clusterHealth() {
        ObjectNode health = JSON.createObjectNode();
        health.put("cluster_name", "larch");
        health.put("status", "green");
        health.put("timed_out", false);
        health.put("number_of_nodes", 1);
        health.put("number_of_data_nodes", 1);
        health.put("active_primary_shards", 1);
        health.put("active_shards", 1);
        health.put("relocating_shards", 0);
        health.put("initializing_shards", 0);
        health.put("unassigned_shards", 0);
        health.put("number_of_pending_tasks", 0);
        health.put("active_shards_percent_as_number", 100.0);
        return health;
    }

    private static ObjectNode license() {
        ObjectNode license = JSON.createObjectNode();
        license.put("status", "active");
        license.put("uid", "larch");
        license.put("type", "basic");
        license.put("mode", "basic");
        return license;
    }

    private static ObjectNode xpack() {
        ObjectNode xpack = JSON.createObjectNode();
        xpack.set("build", JSON.createObjectNode().put("hash", "larch").put("date", "2023-11-04T10:04:57.184859352Z"));
        xpack.set("license", license());
        xpack.set("features", JSON.createObjectNode());
        xpack.put("tagline", "You know, for X");
        return xpack;
    }

    /** One node, at the address the client reached: a client that sniffs nodes keeps talking to this one. */
    private static ObjectNode nodes(Context ctx) {
        ObjectNode http = JSON.createObjectNode();
        String host = ctx.host() == null ? "127.0.0.1" : ctx.host();
        http.put("publish_address", host);
        http.set("bound_address", JSON.createArrayNode().add(host));
        ObjectNode node = JSON.createObjectNode();
        node.put("name", "larch");
        node.put("version", VERSION);
        node.set("roles", JSON.createArrayNode().add("data").add("ingest").add("master"));
        node.set("http", http);
        ObjectNode nodes = JSON.createObjectNode();
        nodes.set("_nodes", JSON.createObjectNode().put("total", 1).put("successful", 1).put("failed", 0));
        nodes.put("cluster_name", "larch");
        nodes.set("nodes", JSON.createObjectNode().set("larch", node));
        return nodes;
    }

    private static ObjectNode shards() {
        return JSON.createObjectNode().put("total", 1).put("successful", 1).put("failed", 0);
    }

    private static ObjectNode errorCause(String type, String reason) {
        return JSON.createObjectNode().put("type", type).put("reason", reason);
    }

    /** A refused request, shaped as Elasticsearch shapes it (clients read {@code error.reason}). */
    private static void error(Context ctx, int status, String type, String reason) {
        ObjectNode cause = errorCause(type, reason);
        ObjectNode body = JSON.createObjectNode();
        body.set("error", cause.deepCopy().set("root_cause", JSON.createArrayNode().add(cause)));
        body.put("status", status);
        ctx.status(status);
        answer(ctx, body);
    }

    private static void answer(Context ctx, ObjectNode body) {
        ctx.header(PRODUCT_HEADER, "Elasticsearch");
        ctx.contentType("application/json; charset=UTF-8").result(body.toString());
    }
}
