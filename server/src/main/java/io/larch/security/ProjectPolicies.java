package io.larch.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.meta.AuditRepository;
import io.larch.meta.Database;
import io.larch.meta.Project;
import io.larch.meta.ProjectSettingRepository;
import io.larch.model.InvalidInputException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each project's own security settings (request signing, redaction, rate-limit overrides) over
 * the server's defaults: read from the metadata database, validated when changed, audited, and
 * cached so ingest does not query the database per request. A change takes effect at once on
 * this node and within {@link #CACHE_TTL} on others. Thread-safe.
 */
public final class ProjectPolicies {
    static final Duration CACHE_TTL = Duration.ofSeconds(10);
    static final String SIGNING = "signing";
    static final String SIGNING_SECRET = "signing_secret";
    static final String SIGNING_SECRET_PREVIOUS = "signing_secret_previous";
    static final String REDACTION = "redaction";
    static final String REDACTION_PATTERNS = "redaction_patterns";
    static final String FINGERPRINTER = "fingerprinter";
    static final String LIMIT_EVENTS = "limit_events_per_minute";
    static final String LIMIT_REQUESTS = "limit_requests_per_minute";
    static final String LIMIT_WORK_LOG_PER_USER = "limit_work_log_per_user_per_minute";
    static final String VERCEL_DRAIN_SECRET = "vercel_drain_secret";
    static final String VERCEL_VERIFY = "vercel_verify";
    /** Vercel's drain secrets and verification codes are short; a header value past this is a mistake. */
    private static final int MAX_VERCEL_VALUE_CHARS = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database database;
    private final ProjectSettingRepository settings;
    private final AuditRepository audit;
    private final boolean redactionByDefault;
    private final Redactor standardRedactor;
    private final RateLimits serverLimits;
    private final Clock clock;
    private final ConcurrentHashMap<Long, Cached> byProject = new ConcurrentHashMap<>();

    public ProjectPolicies(Database database, ProjectSettingRepository settings, AuditRepository audit,
                           boolean redactionByDefault, Redactor standardRedactor, RateLimits serverLimits, Clock clock) {
        this.database = database;
        this.settings = settings;
        this.audit = audit;
        this.redactionByDefault = redactionByDefault;
        this.standardRedactor = standardRedactor;
        this.serverLimits = serverLimits;
        this.clock = clock;
    }

    /**
     * What applies to a project's requests.
     *
     * @param signingSecrets current first, then the previous one during a rotation
     * @param redactor       null when redaction is off for the project
     * @param limits         the rate limits in force: the server's with the project's overrides
     * @param fingerprinter  "template" or "v1" when the project chose one; null: the server's LARCH_FINGERPRINTER
     * @param vercelDrainSecret the secret Vercel signs the project's log drain bodies with (x-vercel-signature), or null
     * @param vercelVerify      the value POST /ingest/vercel answers in x-vercel-verify (Vercel's drain setup), or null
     */
    public record Policy(SigningMode signing, List<byte[]> signingSecrets, Redactor redactor, RateLimits limits,
                         String fingerprinter, String vercelDrainSecret, String vercelVerify) {
    }

    /** Per-minute rate limits a project sets for itself; null means the server's default, 0 no limit. */
    public record LimitOverrides(Long eventsPerMinute, Long requestsPerMinute, Long workLogPerUserPerMinute) {
        public static final LimitOverrides NONE = new LimitOverrides(null, null, null);
    }

    /**
     * A change of settings; each null field stays as it is.
     *
     * @param redaction         "on", "off" or "default" (the server's LARCH_REDACTION)
     * @param redactionPatterns the project's extra patterns (replacing the earlier ones)
     * @param limits            new overrides; a field of -1 returns to the server's default
     * @param fingerprinter     "template", "v1" or "default" (the server's LARCH_FINGERPRINTER)
     * @param vercelDrainSecret the Vercel log drain's signature secret; "" removes it
     * @param vercelVerify      the code Vercel's drain setup asks the endpoint to answer in x-vercel-verify; "" removes it
     */
    public record Change(SigningMode signing, String redaction, List<String> redactionPatterns, LimitOverrides limits,
                         String fingerprinter, String vercelDrainSecret, String vercelVerify) {
    }

    /** The policy of {@code projectId}, from the cache when fresh. */
    public Policy of(long projectId) {
        long now = clock.millis();
        Cached cached = byProject.get(projectId);
        if (cached != null && cached.expiresAt > now) {
            return cached.policy;
        }
        Policy policy = build(settings.all(projectId));
        if (byProject.size() > 100_000) {
            byProject.clear();
        }
        byProject.put(projectId, new Cached(policy, now + CACHE_TTL.toMillis()));
        return policy;
    }

    /** The settings as shown to admins: modes, patterns and limits; never a secret. */
    public Map<String, Object> describe(Project project) {
        Map<String, String> values = settings.all(project.id());
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("signing", signingMode(values).wireName());
        shown.put("signingSecret", values.containsKey(SIGNING_SECRET) ? "(set)" : null);
        shown.put("previousSigningSecret", values.containsKey(SIGNING_SECRET_PREVIOUS) ? "(set)" : null);
        shown.put("redaction", redactionOn(values) ? "on" : "off");
        shown.put("redactionSource", values.containsKey(REDACTION) ? "project" : "server default (LARCH_REDACTION)");
        shown.put("redactionPatterns", patterns(values));
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("eventsPerMinute", longOrNull(values.get(LIMIT_EVENTS)));
        limits.put("requestsPerMinute", longOrNull(values.get(LIMIT_REQUESTS)));
        limits.put("workLogPerUserPerMinute", longOrNull(values.get(LIMIT_WORK_LOG_PER_USER)));
        shown.put("limits", limits);
        shown.put("fingerprinter", values.getOrDefault(FINGERPRINTER, "default"));
        shown.put("vercelDrainSecret", values.containsKey(VERCEL_DRAIN_SECRET) ? "(set)" : null);
        shown.put("vercelVerify", values.get(VERCEL_VERIFY));
        return shown;
    }

    /** Applies {@code change} (validated as a whole first: nothing changes when any part is wrong). */
    public void update(Actor actor, Project project, Change change) {
        Map<String, String> current = settings.all(project.id());
        Map<String, String> updates = new LinkedHashMap<>();
        if (change.signing() != null) {
            if (change.signing() != SigningMode.OFF && !current.containsKey(SIGNING_SECRET)) {
                throw new InvalidInputException("signing: the project has no signing secret yet; create one with POST /admin/projects/"
                        + project.slug() + "/signing-secret, give it to your clients, then turn signing on");
            }
            updates.put(SIGNING, change.signing().wireName());
        }
        if (change.redaction() != null) {
            updates.put(REDACTION, switch (change.redaction()) {
                case "on", "off" -> change.redaction();
                case "default" -> null;
                default -> throw new InvalidInputException("redaction: use on, off or default, got '" + change.redaction() + "'");
            });
        }
        if (change.redactionPatterns() != null) {
            try {
                standardRedactor.withExtraPatterns(change.redactionPatterns());
            } catch (InvalidInputException e) {
                throw new InvalidInputException("redactionPatterns: " + e.getMessage());
            }
            updates.put(REDACTION_PATTERNS, change.redactionPatterns().isEmpty() ? null : toJson(change.redactionPatterns()));
        }
        if (change.limits() != null) {
            limit(updates, LIMIT_EVENTS, "limits.eventsPerMinute", change.limits().eventsPerMinute());
            limit(updates, LIMIT_REQUESTS, "limits.requestsPerMinute", change.limits().requestsPerMinute());
            limit(updates, LIMIT_WORK_LOG_PER_USER, "limits.workLogPerUserPerMinute", change.limits().workLogPerUserPerMinute());
        }
        if (change.fingerprinter() != null) {
            updates.put(FINGERPRINTER, switch (change.fingerprinter()) {
                case "template", "v1" -> change.fingerprinter();
                case "default" -> null;
                default -> throw new InvalidInputException("fingerprinter: use template, v1 or default, got '"
                        + change.fingerprinter() + "'");
            });
        }
        vercelValue(updates, VERCEL_DRAIN_SECRET, "vercelDrainSecret", change.vercelDrainSecret());
        vercelValue(updates, VERCEL_VERIFY, "vercelVerify", change.vercelVerify());
        if (updates.isEmpty()) {
            throw new InvalidInputException("nothing to change: give any of signing, redaction, redactionPatterns, limits, "
                    + "fingerprinter, vercelDrainSecret, vercelVerify");
        }
        long now = clock.millis();
        database.transaction(c -> {
            for (Map.Entry<String, String> update : updates.entrySet()) {
                settings.put(c, project.id(), update.getKey(), update.getValue(), now);
            }
            Map<String, String> shown = new LinkedHashMap<>(updates);
            // The audit trail records that the drain secret changed, never the secret.
            shown.computeIfPresent(VERCEL_DRAIN_SECRET, (name, value) -> "(set)");
            audit.append(c, now, actor.identity(), actor.clientIp(), "settings.update", project.id(), project.slug(),
                    toJson(shown));
            return null;
        });
        byProject.remove(project.id());
    }

    /**
     * Makes a new signing secret and returns it (shown once). The one it replaces stays valid as
     * the previous secret until the next rotation, so clients can switch without a gap.
     */
    public String rotateSigningSecret(Actor actor, Project project) {
        String secret = RequestSignatures.newSigningSecret();
        long now = clock.millis();
        database.transaction(c -> {
            // Read and rotate in one locked step: two rotations at once (on any nodes) must not both
            // keep the same previous secret and lose the first one's new secret.
            settings.lockForUpdate(c, project.id());
            Map<String, String> current = settings.all(c, project.id());
            settings.put(c, project.id(), SIGNING_SECRET_PREVIOUS, current.get(SIGNING_SECRET), now);
            settings.put(c, project.id(), SIGNING_SECRET, secret, now);
            audit.append(c, now, actor.identity(), actor.clientIp(), "signing.rotate", project.id(), project.slug(),
                    AuditDetail.of("previousKept", Boolean.toString(current.containsKey(SIGNING_SECRET))));
            return null;
        });
        byProject.remove(project.id());
        return secret;
    }

    private Policy build(Map<String, String> values) {
        List<byte[]> secrets = new ArrayList<>();
        Optional.ofNullable(values.get(SIGNING_SECRET)).ifPresent(s -> secrets.add(RequestSignatures.signingKey(s)));
        Optional.ofNullable(values.get(SIGNING_SECRET_PREVIOUS)).ifPresent(s -> secrets.add(RequestSignatures.signingKey(s)));
        Redactor redactor = null;
        if (redactionOn(values)) {
            List<String> patterns = patterns(values);
            redactor = patterns.isEmpty() ? standardRedactor : standardRedactor.withExtraPatterns(patterns);
        }
        LimitOverrides limits = new LimitOverrides(longOrNull(values.get(LIMIT_EVENTS)), longOrNull(values.get(LIMIT_REQUESTS)),
                longOrNull(values.get(LIMIT_WORK_LOG_PER_USER)));
        return new Policy(signingMode(values), List.copyOf(secrets), redactor, serverLimits.with(limits),
                values.get(FINGERPRINTER), values.get(VERCEL_DRAIN_SECRET), values.get(VERCEL_VERIFY));
    }

    private static SigningMode signingMode(Map<String, String> values) {
        return values.containsKey(SIGNING) ? SigningMode.parse(values.get(SIGNING)) : SigningMode.OFF;
    }

    private boolean redactionOn(Map<String, String> values) {
        String value = values.get(REDACTION);
        return value == null ? redactionByDefault : value.equals("on");
    }

    private static List<String> patterns(Map<String, String> values) {
        String json = values.get(REDACTION_PATTERNS);
        if (json == null) {
            return List.of();
        }
        try {
            return List.of(JSON.readValue(json, String[].class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored redaction patterns are not a JSON list: " + e.getMessage(), e);
        }
    }

    private static void limit(Map<String, String> updates, String name, String field, Long value) {
        if (value == null) {
            return;
        }
        if (value < -1 || value > Integer.MAX_VALUE) {
            throw new InvalidInputException(field + ": give events per minute (0: no limit, -1: the server's default), got " + value);
        }
        updates.put(name, value == -1 ? null : Long.toString(value));
    }

    /** A Vercel setting: printable ASCII (it travels in a header), "" to remove it. */
    private static void vercelValue(Map<String, String> updates, String name, String field, String value) {
        if (value == null) {
            return;
        }
        String trimmed = value.trim();
        if (trimmed.length() > MAX_VERCEL_VALUE_CHARS || !trimmed.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new InvalidInputException(field + ": give the value Vercel shows (printable characters without spaces, at most "
                    + MAX_VERCEL_VALUE_CHARS + "), or \"\" to remove it");
        }
        updates.put(name, trimmed.isEmpty() ? null : trimmed);
    }

    private static Long longOrNull(String text) {
        return text == null ? null : Long.parseLong(text);
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Cached(Policy policy, long expiresAt) {
    }
}
