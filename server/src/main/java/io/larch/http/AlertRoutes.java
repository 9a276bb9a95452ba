package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.larch.alert.AlertChannel;
import io.larch.alert.AlertRule;
import io.larch.alert.AlertRuleJson;
import io.larch.alert.AlertRules;
import io.larch.alert.Alerting;
import io.larch.alert.Notifier;
import io.larch.meta.AlertRepository;
import io.larch.model.InvalidInputException;
import io.larch.security.NotFoundException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code /admin/alerts}: a project's alert rules (list, create, show, change, delete), their
 * history with each channel's delivery, a test alert, and reloading the rules file. The admin
 * token (all projects, or one named with ?project=) or a project's admin key (its own rules).
 */
final class AlertRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a test waits for its deliveries before answering that they are still going. */
    private static final long TEST_WAIT_SECONDS = 20;

    private final AlertRules rules;
    private final Alerting alerting;
    private final AlertRepository repository;

    AlertRoutes(AlertRules rules, Alerting alerting, AlertRepository repository) {
        this.rules = rules;
        this.alerting = alerting;
        this.repository = repository;
    }

    void install(RouteTable routes) {
        routes.get("/admin/alerts", Access.PROJECT_ADMIN, this::list);
        routes.post("/admin/alerts", Access.PROJECT_ADMIN, JsonBodies.MAX_ADMIN_BODY, this::create);
        routes.get("/admin/alerts/history", Access.PROJECT_ADMIN, this::history);
        routes.post("/admin/alerts/reload", Access.ADMIN_TOKEN, 0, this::reload);
        routes.get("/admin/alerts/{id}", Access.PROJECT_ADMIN, this::show);
        routes.put("/admin/alerts/{id}", Access.PROJECT_ADMIN, JsonBodies.MAX_ADMIN_BODY, this::change);
        routes.delete("/admin/alerts/{id}", Access.PROJECT_ADMIN, this::delete);
        routes.post("/admin/alerts/{id}/test", Access.PROJECT_ADMIN, 0, this::test);
    }

    private void list(Context ctx, Grant grant) {
        Long projectId = grant.project() == null ? null : grant.project().id();
        ctx.json(Map.of("rules", rules.list(projectId).stream().map(AlertRuleJson::shown).toList()));
    }

    private void create(Context ctx, Grant grant, byte[] raw) {
        if (grant.project() == null) {
            throw new InvalidInputException("project: name the project the rule is for with ?project=<slug>");
        }
        AlertRule rule = rules.create(grant.project().id(), body(raw));
        ctx.status(201).json(AlertRuleJson.shown(rule));
    }

    private void show(Context ctx, Grant grant) {
        ctx.json(AlertRuleJson.shown(rule(ctx, grant)));
    }

    private void change(Context ctx, Grant grant, byte[] raw) {
        ctx.json(AlertRuleJson.shown(rules.update(rule(ctx, grant), body(raw))));
    }

    private void delete(Context ctx, Grant grant) {
        rules.delete(rule(ctx, grant));
        ctx.status(204);
    }

    private void reload(Context ctx, Grant grant, byte[] ignoredBody) {
        int count = rules.reloadFile();
        ctx.json(Map.of("rules", count));
    }

    private void test(Context ctx, Grant grant, byte[] ignoredBody) throws InterruptedException {
        AlertRule rule = rule(ctx, grant);
        if (rule.channels().isEmpty()) {
            throw new InvalidInputException("rule " + rule.id() + " has no channels to test; add one with PUT /admin/alerts/"
                    + rule.id());
        }
        List<Notifier.Result> results;
        try {
            results = alerting.test(rule).get(TEST_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            ctx.status(202).json(Map.of("note", "the test alert is still being sent (a channel is slow or retrying); "
                    + "see GET /admin/alerts/history?rule=" + rule.id()));
            return;
        } catch (ExecutionException e) {
            throw new io.larch.ingest.RejectedRequestException(503, e.getCause().getMessage());
        }
        List<Map<String, Object>> deliveries = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            AlertChannel channel = rule.channels().get(i);
            Notifier.Result result = results.get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("type", channel.type().wireName());
            row.put("target", channel.describeTarget());
            row.put("delivered", result.delivered());
            row.put("attempts", result.attempts());
            row.put("lastStatus", result.lastStatus());
            row.put("error", result.error());
            deliveries.add(row);
        }
        ctx.json(Map.of("delivered", results.stream().allMatch(Notifier.Result::delivered), "deliveries", deliveries));
    }

    private void history(Context ctx, Grant grant) {
        int limit = LogFilters.intParam(ctx, "limit", 100, 1, 1000);
        long before = LogFilters.longParam(ctx, "before", Long.MAX_VALUE, 1, Long.MAX_VALUE);
        Long ruleId = ctx.queryParam("rule") == null ? null : LogFilters.longParam(ctx, "rule", 0, 1, Long.MAX_VALUE);
        Long projectId = grant.project() == null ? null : grant.project().id();
        List<AlertRepository.HistoryRecord> records = repository.history(projectId, ruleId, before, limit);
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (AlertRepository.HistoryRecord record : records) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", record.id());
            row.put("at", Instant.ofEpochMilli(record.at()).toString());
            row.put("projectId", record.projectId());
            row.put("ruleId", record.ruleId());
            row.put("rule", record.ruleName());
            row.put("type", record.type());
            row.put("group", record.group());
            row.put("count", record.count());
            row.put("title", record.title());
            row.put("sampleId", record.sampleId());
            row.put("deliveries", record.deliveries().stream().map(d -> {
                Map<String, Object> delivery = new LinkedHashMap<>();
                delivery.put("channel", d.channel());
                delivery.put("type", d.type());
                delivery.put("target", d.target());
                delivery.put("status", d.status());
                delivery.put("attempts", d.attempts());
                delivery.put("lastStatus", d.lastStatus());
                delivery.put("error", d.error());
                delivery.put("at", Instant.ofEpochMilli(d.updatedAt()).toString());
                return delivery;
            }).toList());
            alerts.add(row);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("alerts", alerts);
        body.put("next", records.size() == limit ? records.getLast().id() : null);
        ctx.json(body);
    }

    /** The rule of the path, if the caller may see it (another project's rule is as missing as none). */
    private AlertRule rule(Context ctx, Grant grant) {
        String text = ctx.pathParam("id");
        long id;
        try {
            id = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new NotFoundException("no alert rule '" + text + "': rule ids are numbers (GET /admin/alerts lists them)");
        }
        return rules.get(id).filter(rule -> grant.project() == null || rule.projectId() == grant.project().id())
                .orElseThrow(() -> new NotFoundException("no alert rule " + id + " in this project"));
    }

    private static JsonNode body(byte[] raw) {
        try {
            JsonNode node = raw.length == 0 ? null : JSON.readTree(raw);
            if (node == null || !node.isObject()) {
                throw new InvalidInputException("body must be a JSON object like {\"name\":\"checkout errors\",\"kind\":\"spike\"}");
            }
            return node;
        } catch (IOException e) {
            throw new InvalidInputException("body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
