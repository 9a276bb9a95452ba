package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.larch.model.InvalidInputException;
import io.larch.security.AuthException;
import io.larch.security.Caller;
import io.larch.security.ProjectPolicies;
import io.larch.security.RateLimits;
import io.larch.security.SigningMode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /admin/projects/{slug}/settings} (signing, redaction, rate limits, fingerprinter, the Vercel
 * drain's secret and verification code) and
 * {@code /admin/projects/{slug}/signing-secret} (rotation). The admin token or the project's
 * admin key.
 */
final class ProjectSettingsRoutes {
    private static final Set<String> LIMIT_FIELDS = Set.of("eventsPerMinute", "requestsPerMinute", "workLogPerUserPerMinute");
    private final ProjectPolicies policies;
    private final RateLimits serverLimits;

    ProjectSettingsRoutes(ProjectPolicies policies, RateLimits serverLimits) {
        this.policies = policies;
        this.serverLimits = serverLimits;
    }

    void install(RouteTable routes) {
        routes.get("/admin/projects/{slug}/settings", Access.PROJECT_ADMIN, this::show);
        routes.put("/admin/projects/{slug}/settings", Access.PROJECT_ADMIN, JsonBodies.MAX_ADMIN_BODY, this::change);
        routes.post("/admin/projects/{slug}/signing-secret", Access.PROJECT_ADMIN, 0, this::rotate);
    }

    private void show(Context ctx, Grant grant) {
        ctx.json(policies.describe(grant.project()));
    }

    private void change(Context ctx, Grant grant, byte[] raw) {
        JsonNode body = JsonBodies.object(raw, "signing", "redaction", "redactionPatterns", "limits", "fingerprinter",
                "vercelDrainSecret", "vercelVerify");
        String signing = JsonBodies.text(body, "signing");
        ProjectPolicies.Change change = new ProjectPolicies.Change(signing == null ? null : SigningMode.parse(signing),
                JsonBodies.text(body, "redaction"), patterns(body.get("redactionPatterns")), limits(body.get("limits")),
                JsonBodies.text(body, "fingerprinter"), JsonBodies.text(body, "vercelDrainSecret"),
                JsonBodies.text(body, "vercelVerify"));
        if (change.limits() != null && grant.caller() instanceof Caller.ProjectKey) {
            requireNotRaised("limits.eventsPerMinute", change.limits().eventsPerMinute(), serverLimits.projectEventsPerMinute());
            requireNotRaised("limits.requestsPerMinute", change.limits().requestsPerMinute(), serverLimits.projectRequestsPerMinute());
            requireNotRaised("limits.workLogPerUserPerMinute", change.limits().workLogPerUserPerMinute(),
                    serverLimits.workLogPerUserPerMinute());
        }
        policies.update(grant.actor(), grant.project(), change);
        ctx.json(policies.describe(grant.project()));
    }

    private void rotate(Context ctx, Grant grant, byte[] ignoredBody) {
        String secret = policies.rotateSigningSecret(grant.actor(), grant.project());
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("signingSecret", secret);
        response.put("note", "store this secret now: it is shown only once. The previous secret stays valid until the next "
                + "rotation; turn signing on with PUT /admin/projects/" + grant.project().slug()
                + "/settings {\"signing\":\"required\"}");
        ctx.status(201).json(response);
    }

    /**
     * A project's own admin key may lower its limits, not lift them past the server's: that is
     * the server operator's call (the admin token).
     */
    private static void requireNotRaised(String field, Long wanted, long server) {
        boolean raised = wanted != null && wanted != -1 && server > 0 && (wanted == 0 || wanted > server);
        if (raised) {
            throw AuthException.forbidden(field + ": a project key may lower this limit but not raise it above the server's "
                    + server + " a minute (or lift it); the admin token can");
        }
    }

    private static List<String> patterns(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            throw new InvalidInputException("redactionPatterns: must be an array of regular expressions");
        }
        List<String> patterns = new ArrayList<>();
        for (JsonNode pattern : node) {
            if (!pattern.isTextual()) {
                throw new InvalidInputException("redactionPatterns: each pattern must be a string");
            }
            patterns.add(pattern.textValue());
        }
        return patterns;
    }

    private static ProjectPolicies.LimitOverrides limits(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new InvalidInputException("limits: must be an object like {\"eventsPerMinute\":100000}");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!LIMIT_FIELDS.contains(name)) {
                throw new InvalidInputException("limits." + name + ": unknown limit; use any of " + LIMIT_FIELDS);
            }
        }
        return new ProjectPolicies.LimitOverrides(number(node, "eventsPerMinute"), number(node, "requestsPerMinute"),
                number(node, "workLogPerUserPerMinute"));
    }

    private static Long number(JsonNode limits, String field) {
        JsonNode value = limits.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new InvalidInputException("limits." + field + ": must be a whole number (0: no limit, -1: the server's default)");
        }
        return value.asLong();
    }
}
