package io.larch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench project's alert rules for {@code bench ingest --alert-rules N}: untouched (the
 * server's defaults), none, or N rules of every kind whose queries match some of what
 * {@link EventGenerator} sends (its sources, levels, error messages and Loghub words). The rules
 * have no channels, so their alerts are only recorded in the history.
 */
public final class BenchAlertRules {
    /** {@code --alert-rules} value that leaves the project's rules as the server made them. */
    public static final int UNTOUCHED = -1;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Per kind, in the server's order, the variants rule i takes in turn: kind i % 7, variant
     * (i / 7) % 3. The generator sends no builds or deployments, so the build and deploy rules
     * only cost the evaluator their kind check; they are here because real projects have them.
     */
    private static final List<List<String>> VARIANTS = List.of(
            List.of("{\"kind\":\"spike\"}",
                    "{\"kind\":\"spike\",\"query\":\"source:system\",\"minLevel\":\"warn\",\"threshold\":20,\"window\":\"1m\"}",
                    "{\"kind\":\"spike\",\"query\":\"source:checkout OR source:billing\",\"threshold\":10,\"window\":\"5m\"}"),
            List.of("{\"kind\":\"error_rate\",\"threshold\":10,\"minEvents\":50,\"window\":\"5m\"}",
                    "{\"kind\":\"error_rate\",\"query\":\"source:api\",\"threshold\":2,\"minEvents\":100,\"window\":\"1m\"}",
                    "{\"kind\":\"error_rate\",\"query\":\"source:billing OR source:mailer\",\"threshold\":20,\"minEvents\":50,\"window\":\"5m\"}"),
            List.of("{\"kind\":\"new_fingerprint\"}",
                    "{\"kind\":\"new_fingerprint\",\"query\":\"source:system\",\"minLevel\":\"warn\"}",
                    "{\"kind\":\"new_fingerprint\",\"query\":\"source:worker\"}"),
            List.of("{\"kind\":\"pattern\",\"query\":\"level>=error timeout\",\"threshold\":10,\"window\":\"5m\"}",
                    "{\"kind\":\"pattern\",\"query\":\"source:system (error OR failed OR failure)\",\"threshold\":50,\"window\":\"5m\"}",
                    "{\"kind\":\"pattern\",\"query\":\"\\\"payment declined\\\" -attrs.region:us-east\",\"threshold\":5,\"window\":\"1m\"}"),
            List.of("{\"kind\":\"absence\",\"query\":\"heartbeat\",\"window\":\"15m\"}",
                    "{\"kind\":\"absence\",\"query\":\"source:agent kind:work\",\"threshold\":100,\"window\":\"5m\"}",
                    "{\"kind\":\"absence\",\"query\":\"source:api attrs.status:200\",\"threshold\":1000,\"window\":\"1m\"}"),
            List.of("{\"kind\":\"build_failures\",\"threshold\":50,\"minEvents\":10}",
                    "{\"kind\":\"build_failures\",\"query\":\"source:ci\",\"threshold\":30,\"minEvents\":20}",
                    "{\"kind\":\"build_failures\",\"threshold\":80,\"minEvents\":5}"),
            List.of("{\"kind\":\"deploy_failure\"}",
                    "{\"kind\":\"deploy_failure\",\"query\":\"source:checkout\"}",
                    "{\"kind\":\"deploy_failure\",\"query\":\"attrs.region:eu-west\"}"));

    private BenchAlertRules() {
    }

    /** The bodies of {@code count} rules, cycling through the kinds, named {@code bench-<i>-<kind>}. */
    public static List<String> definitions(int count) {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            List<String> variants = VARIANTS.get(i % VARIANTS.size());
            try {
                ObjectNode rule = (ObjectNode) JSON.readTree(variants.get(i / VARIANTS.size() % variants.size()));
                ObjectNode named = JSON.createObjectNode().put("name", "bench-" + i + "-" + rule.get("kind").asText());
                named.setAll(rule);
                bodies.add(named.toString());
            } catch (java.io.IOException e) {
                throw new IllegalStateException("a bench rule is not JSON", e);
            }
        }
        return bodies;
    }

    /**
     * Makes {@code project}'s rules what {@code count} says: {@link #UNTOUCHED} leaves them, 0
     * deletes them all (the server's defaults included), N deletes them and creates N.
     *
     * @return the rules the project has afterwards
     */
    public static int apply(String url, String project, int count) throws Exception {
        BenchHttp http = new BenchHttp(url);
        Map<String, String> ofProject = Map.of("project", project);
        if (count != UNTOUCHED) {
            for (JsonNode rule : http.get("/admin/alerts", LarchProcess.ADMIN_TOKEN, ofProject).get("rules")) {
                http.delete("/admin/alerts/" + rule.get("id").asLong() + "?project=" + project, LarchProcess.ADMIN_TOKEN);
            }
            for (String body : definitions(count)) {
                http.postJson("/admin/alerts?project=" + project, LarchProcess.ADMIN_TOKEN, body);
            }
        }
        return http.get("/admin/alerts", LarchProcess.ADMIN_TOKEN, ofProject).get("rules").size();
    }

    /**
     * What the alert metrics of a {@code /metrics} scrape ({@link BenchMain#metrics}) say: events
     * the evaluator never saw (its queue was full), events still queued, alerts sent.
     */
    public static Map<String, Object> summary(Map<String, Object> metrics) {
        double triggered = 0;
        for (Map.Entry<String, Object> metric : metrics.entrySet()) {
            if (metric.getKey().startsWith("larch_alerts_triggered_total")) {
                triggered += (double) metric.getValue();
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("droppedEvents", Math.round((double) metrics.getOrDefault("larch_alert_queue_dropped_events_total", 0.0)));
        summary.put("queuedEventsAtEnd", Math.round((double) metrics.getOrDefault("larch_alert_queue_events", 0.0)));
        summary.put("alertsTriggered", Math.round(triggered));
        return summary;
    }
}
