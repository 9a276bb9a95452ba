package io.larch.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.larch.aggregate.Aggregations;
import io.larch.aggregate.Aggregator;
import io.larch.aggregate.GroupField;
import io.larch.ingest.FingerprintMerges;
import io.larch.ingest.IngestLimits;
import io.larch.meta.AuditRepository;
import io.larch.meta.Database;
import io.larch.meta.FingerprintRepository;
import io.larch.meta.Project;
import io.larch.model.FingerprintMerge;
import io.larch.model.FingerprintTemplate;
import io.larch.model.InvalidInputException;
import io.larch.query.SearchFilters;
import io.larch.security.AuditDetail;
import io.larch.security.NotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /api/fingerprints}: the project's groups with their readable templates, counts and
 * first and last seen; and the merge rules under {@code /admin/projects/{slug}/fingerprints/merges}
 * (the admin token or the project's admin key; audited).
 */
final class FingerprintRoutes {
    private final Aggregator aggregator;
    private final QueryGate gate;
    private final FingerprintRepository records;
    private final FingerprintMerges merges;
    private final Database database;
    private final AuditRepository audit;
    private final Clock clock;

    FingerprintRoutes(Aggregator aggregator, QueryGate gate, FingerprintRepository records, FingerprintMerges merges,
                      Database database, AuditRepository audit, Clock clock) {
        this.aggregator = aggregator;
        this.gate = gate;
        this.records = records;
        this.merges = merges;
        this.database = database;
        this.audit = audit;
        this.clock = clock;
    }

    void install(RouteTable routes) {
        routes.get("/api/fingerprints", Access.READ, this::list);
        routes.get("/admin/projects/{slug}/fingerprints/merges", Access.PROJECT_ADMIN, this::listMerges);
        routes.post("/admin/projects/{slug}/fingerprints/merges", Access.PROJECT_ADMIN, JsonBodies.MAX_ADMIN_BODY,
                this::merge);
        routes.delete("/admin/projects/{slug}/fingerprints/merges/{fingerprint}", Access.PROJECT_ADMIN, this::unmerge);
    }

    /** One group of the listing: the fingerprints merged into it are counted with it. */
    private static final class Group {
        final String fingerprint;
        final Set<String> mergedFrom = new TreeSet<>();
        long count;
        long firstSeen = Long.MAX_VALUE;
        long lastSeen = Long.MIN_VALUE;
        String sample;

        Group(String fingerprint) {
            this.fingerprint = fingerprint;
        }

        void add(Aggregations.TopValue value) {
            if (!value.value().equals(fingerprint)) {
                mergedFrom.add(value.value());
            }
            count += value.count();
            firstSeen = Math.min(firstSeen, value.firstSeen());
            if (value.lastSeen() >= lastSeen) {
                lastSeen = value.lastSeen();
                sample = value.sample();
            }
        }
    }

    private void list(Context ctx, Grant access) {
        Project project = access.project();
        SearchFilters filters = LogFilters.of(ctx, project, clock.millis());
        int limit = LogFilters.intParam(ctx, "limit", 20, 1, Aggregator.MAX_TOP);
        Map<String, String> rules = merges.rules(project.id());
        // Events stored before a rule keep their old fingerprint: ask for enough values that the
        // merged ones are among them, then count each under the group it now lands in.
        int asked = Math.min(Aggregator.MAX_TOP, limit + rules.size());
        Aggregations.Top top = gate.run(ctx, access.caller(),
                budget -> aggregator.top(filters.query(), GroupField.parse("fingerprint"), asked, budget));
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Aggregations.TopValue value : top.values()) {
            String group = merges.resolve(project.id(), value.value());
            groups.computeIfAbsent(group, Group::new).add(value);
        }
        List<Group> ranked = new ArrayList<>(groups.values());
        ranked.sort(Comparator.comparingLong((Group g) -> -g.count).thenComparing(g -> g.fingerprint));
        List<Group> shown = ranked.subList(0, Math.min(limit, ranked.size()));
        Map<String, FingerprintTemplate> templates = records.templates(project.id(),
                shown.stream().map(g -> g.fingerprint).toList());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("fingerprints", shown.stream().map(g -> {
            FingerprintTemplate template = templates.get(g.fingerprint);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("fingerprint", g.fingerprint);
            entry.put("template", template == null ? null : template.template());
            entry.put("source", template == null ? null : template.source());
            entry.put("count", g.count);
            entry.put("firstSeen", Instant.ofEpochMilli(g.firstSeen).toString());
            entry.put("lastSeen", Instant.ofEpochMilli(g.lastSeen).toString());
            entry.put("sample", g.sample);
            entry.put("mergedFrom", List.copyOf(g.mergedFrom));
            return entry;
        }).toList());
        int skipped = aggregator.partsSkipped(filters.query());
        if (skipped > 0) {
            body.put("partial", true);
            body.put("partsSkipped", skipped);
        }
        ctx.json(body);
    }

    private void listMerges(Context ctx, Grant grant) {
        Map<String, String> rules = new TreeMap<>(merges.rules(grant.project().id()));
        List<Map<String, Object>> shown = new ArrayList<>();
        rules.forEach((from, into) -> shown.add(rule(grant.project().id(), from, into)));
        ctx.json(Map.of("merges", shown));
    }

    private Map<String, Object> rule(long projectId, String from, String into) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("fingerprint", from);
        entry.put("into", into);
        entry.put("landsIn", merges.resolve(projectId, from));
        return entry;
    }

    private void merge(Context ctx, Grant grant, byte[] raw) {
        JsonNode body = JsonBodies.object(raw, "fingerprint", "into");
        String from = fingerprintField(body, "fingerprint");
        String into = fingerprintField(body, "into");
        long projectId = grant.project().id();
        long now = clock.millis();
        // One change at a time, so two merges cannot make a cycle between them.
        synchronized (merges) {
            merges.checkNoCycle(projectId, from, into);
            FingerprintMerge merge = new FingerprintMerge(projectId, from, into, now, grant.actor().identity());
            database.transaction(c -> {
                records.putMerge(c, merge);
                audit.append(c, now, grant.actor().identity(), grant.actor().clientIp(), "fingerprint.merge", projectId,
                        from, AuditDetail.of("into", into));
                return null;
            });
            merges.put(projectId, from, into);
        }
        ctx.status(201).json(rule(projectId, from, into));
    }

    private void unmerge(Context ctx, Grant grant) {
        String from = ctx.pathParam("fingerprint");
        long projectId = grant.project().id();
        long now = clock.millis();
        synchronized (merges) {
            boolean deleted = database.transaction(c -> {
                if (!records.deleteMerge(c, projectId, from)) {
                    return false;
                }
                audit.append(c, now, grant.actor().identity(), grant.actor().clientIp(), "fingerprint.unmerge", projectId,
                        from, "{}");
                return true;
            });
            if (!deleted) {
                throw new NotFoundException("no merge rule for fingerprint '" + from + "'; list them with GET /admin/projects/"
                        + grant.project().slug() + "/fingerprints/merges");
            }
            merges.remove(projectId, from);
        }
        ctx.json(Map.of("deleted", from));
    }

    private static String fingerprintField(JsonNode body, String field) {
        String value = JsonBodies.text(body, field);
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(field + ": missing; give a fingerprint as GET /api/fingerprints lists it");
        }
        if (value.length() > IngestLimits.MAX_ID_CHARS) {
            throw new InvalidInputException(field + ": at most " + IngestLimits.MAX_ID_CHARS + " characters");
        }
        return value;
    }
}
