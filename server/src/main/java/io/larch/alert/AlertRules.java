package io.larch.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.larch.meta.AlertRepository;
import io.larch.meta.Database;
import io.larch.meta.MetadataException;
import io.larch.meta.Project;
import io.larch.meta.ProjectRepository;
import io.larch.meta.ProjectSettingRepository;
import io.larch.model.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The catalog of alert rules: made through the API, seeded with defaults for every project, or
 * owned by the rules file (rules as code: {@code LARCH_ALERT_RULES_FILE}, applied at start and on
 * {@code POST /admin/alerts/reload}). Every change is checked first (a bad rule changes
 * nothing) and then handed to {@link Alerting}.
 */
public final class AlertRules {
    /** The project setting that says a project's default rules were made (deleting them keeps them deleted). */
    static final String DEFAULTS_SEEDED = "alerts.defaultsSeeded";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    /** Rules per project, at most: each is evaluated against every event of the project. */
    static final int MAX_RULES_PER_PROJECT = 100;

    private final Database database;
    private final AlertRepository repository;
    private final ProjectRepository projects;
    private final ProjectSettingRepository settings;
    private final Alerting alerting;
    private final Predicate<AlertChannel.Type> channelAvailable;
    private final boolean privateTargets;
    private final Optional<Path> rulesFile;
    private final Map<String, String> environment;
    private final Clock clock;

    /**
     * @param channelAvailable whether the server can send on a channel type (email needs SMTP settings)
     * @param privateTargets   whether webhooks may go to private addresses (LARCH_ALERT_PRIVATE_TARGETS)
     * @param environment      what {@code ${NAME}} in the rules file is replaced with (webhook URLs stay out of git)
     */
    public AlertRules(Database database, AlertRepository repository, ProjectRepository projects,
                      ProjectSettingRepository settings, Alerting alerting, Predicate<AlertChannel.Type> channelAvailable,
                      boolean privateTargets, Optional<Path> rulesFile, Map<String, String> environment, Clock clock) {
        this.privateTargets = privateTargets;
        this.database = database;
        this.repository = repository;
        this.projects = projects;
        this.settings = settings;
        this.alerting = alerting;
        this.channelAvailable = channelAvailable;
        this.rulesFile = rulesFile;
        this.environment = environment;
        this.clock = clock;
    }

    /** The rules of {@code projectId}, or of every project (null). */
    public List<AlertRule> list(Long projectId) {
        List<AlertRule> rules = new ArrayList<>();
        for (AlertRepository.RuleRecord record : repository.rules()) {
            if (projectId == null || record.projectId() == projectId) {
                rules.add(read(record));
            }
        }
        return rules;
    }

    public Optional<AlertRule> get(long id) {
        return repository.rule(id).map(AlertRules::read);
    }

    /** Makes a rule in {@code projectId} from the API's JSON. */
    public AlertRule create(long projectId, JsonNode body) {
        AlertRule rule = checked(projectId, body, 0);
        if (list(projectId).size() >= MAX_RULES_PER_PROJECT) {
            throw new AlertConflictException("this project has " + MAX_RULES_PER_PROJECT
                    + " rules, the most it may have; delete one first");
        }
        AlertRepository.RuleRecord record;
        try {
            record = repository.insert(projectId, new AlertRepository.NewRule(rule.name(), AlertRuleJson.stored(rule),
                    AlertRule.Origin.API.wireName()), clock.millis());
        } catch (MetadataException e) {
            if (repository.nameTaken(projectId, rule.name(), 0)) { // made meanwhile by another request
                throw new AlertConflictException("name: this project already has a rule named '" + rule.name() + "'");
            }
            throw e;
        }
        alerting.refresh(projectId);
        return read(record);
    }

    /** Replaces a rule with the API's JSON (its counts go on when it still counts the same way). */
    public AlertRule update(AlertRule existing, JsonNode body) {
        requireNotFromFile(existing);
        AlertRule rule = checked(existing.projectId(), body, existing.id());
        AlertRule.Origin origin = existing.origin();
        AlertRule stored = AlertRule.of(existing.id(), existing.projectId(), rule.name(), rule.kind(), rule.threshold(),
                rule.minEvents(), rule.window(), rule.suppress(), rule.query(), rule.minLevel(), rule.channels(), origin);
        repository.update(existing.id(), stored.name(), AlertRuleJson.stored(stored), clock.millis());
        alerting.refresh(existing.projectId());
        return stored;
    }

    public void delete(AlertRule existing) {
        requireNotFromFile(existing);
        repository.delete(existing.id());
        alerting.refresh(existing.projectId());
    }

    /**
     * Gives {@code project} the default rules once (error spike, error rate, new error; for
     * Larch's own project, any warning it writes about itself). They can be edited or deleted.
     */
    public void ensureDefaults(Project project) {
        if (settings.all(project.id()).containsKey(DEFAULTS_SEEDED)) {
            return;
        }
        long now = clock.millis();
        List<AlertRule> defaults = project.slug().equals(SystemEvents.PROJECT_SLUG) ? SystemEvents.defaultRules(project.id())
                : defaultRules(project.id());
        // The mark and the rules in one transaction: a crash between them can neither lose the defaults nor make them twice.
        // The mark is a claim: of nodes seeding the same project at once, only the one that set it adds the rules.
        database.transaction(c -> {
            if (!settings.putIfAbsent(c, project.id(), DEFAULTS_SEEDED, Long.toString(now), now)) {
                return null;
            }
            for (AlertRule rule : defaults) {
                repository.insertIfAbsent(c, project.id(), new AlertRepository.NewRule(rule.name(), AlertRuleJson.stored(rule),
                        AlertRule.Origin.DEFAULT.wireName()), now);
            }
            return null;
        });
        alerting.refresh(project.id());
    }

    /** {@link #ensureDefaults} for every project (at start: projects made before alerting existed). */
    public void ensureDefaultsForAll() {
        projects.list().forEach(this::ensureDefaults);
    }

    static List<AlertRule> defaultRules(long projectId) {
        return List.of(
                AlertRuleJson.parse(0, projectId, json("{\"name\":\"error spike\",\"kind\":\"spike\"}"), AlertRule.Origin.DEFAULT, ""),
                AlertRuleJson.parse(0, projectId, json("{\"name\":\"error rate\",\"kind\":\"error_rate\"}"), AlertRule.Origin.DEFAULT, ""),
                AlertRuleJson.parse(0, projectId, json("{\"name\":\"new error\",\"kind\":\"new_fingerprint\"}"),
                        AlertRule.Origin.DEFAULT, ""));
    }

    /**
     * Applies the rules file: its rules replace every rule it made before, in one transaction.
     *
     * @return how many rules it holds (0 when no file is configured)
     * @throws InvalidInputException naming the rule and field that is wrong; then nothing changed
     */
    public int reloadFile() {
        if (rulesFile.isEmpty()) {
            return 0;
        }
        Path file = rulesFile.get();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read the rules file " + file + ": " + e.getMessage());
        }
        JsonNode root;
        try {
            root = JSON.readTree(substitute(text));
        } catch (IOException e) {
            throw new InvalidInputException("the rules file " + file + " is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject() || !root.path("rules").isArray()) {
            throw new InvalidInputException("the rules file " + file + " must be an object like {\"rules\":[...]}");
        }
        Map<Long, List<AlertRepository.NewRule>> wanted = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        JsonNode rules = root.get("rules");
        for (int i = 0; i < rules.size(); i++) {
            String prefix = "rules[" + i + "].";
            JsonNode node = rules.get(i);
            String slug = node.path("project").asText(null);
            if (slug == null || slug.isBlank()) {
                throw new InvalidInputException(prefix + "project: name the project's slug");
            }
            Project project = projects.findBySlug(slug.trim()).orElseThrow(() -> new InvalidInputException(
                    prefix + "project: there is no project '" + slug + "'; create it first"));
            AlertRule rule = AlertRuleJson.parse(0, project.id(), node, AlertRule.Origin.FILE, prefix);
            requireChannelsAvailable(rule, prefix);
            if (!names.add(project.id() + "/" + rule.name())) {
                throw new InvalidInputException(prefix + "name: '" + rule.name() + "' is already a rule of " + slug + " in the file");
            }
            wanted.computeIfAbsent(project.id(), p -> new ArrayList<>()).add(new AlertRepository.NewRule(rule.name(),
                    AlertRuleJson.stored(rule), AlertRule.Origin.FILE.wireName()));
        }
        Set<Long> touched = new HashSet<>(wanted.keySet());
        repository.rules().stream().filter(r -> r.origin().equals(AlertRule.Origin.FILE.wireName()))
                .forEach(r -> touched.add(r.projectId()));
        try {
            repository.replaceFileRules(wanted, clock.millis());
        } catch (IllegalStateException e) {
            throw new InvalidInputException("the rules file was not applied: " + e.getMessage());
        }
        touched.forEach(alerting::refresh);
        return wanted.values().stream().mapToInt(List::size).sum();
    }

    private AlertRule checked(long projectId, JsonNode body, long id) {
        if (body != null && body.has("project")) {
            throw new InvalidInputException("project: name the project with ?project= (or use its admin key), not in the rule");
        }
        AlertRule rule = AlertRuleJson.parse(id, projectId, body, AlertRule.Origin.API, "");
        requireChannelsAvailable(rule, "");
        if (repository.nameTaken(projectId, rule.name(), id)) {
            throw new AlertConflictException("name: this project already has a rule named '" + rule.name() + "'");
        }
        return rule;
    }

    private void requireChannelsAvailable(AlertRule rule, String prefix) {
        for (int i = 0; i < rule.channels().size(); i++) {
            AlertChannel channel = rule.channels().get(i);
            if (!privateTargets && channel.url() != null && leadsToPrivateAddress(channel.url())) {
                throw new InvalidInputException(prefix + "channels[" + i + "].url: leads to a loopback, link-local or private"
                        + " address; the operator can allow that with LARCH_ALERT_PRIVATE_TARGETS=on");
            }
            AlertChannel.Type type = channel.type();
            if (!channelAvailable.test(type)) {
                throw new InvalidInputException(prefix + "channels[" + i + "]: this server cannot send "
                        + type.wireName() + " (set LARCH_SMTP_HOST and LARCH_SMTP_FROM for email)");
            }
        }
    }

    /** True when the URL's host resolves to a private address; a host that does not resolve now is checked at each send. */
    private static boolean leadsToPrivateAddress(String url) {
        try {
            for (java.net.InetAddress address : java.net.InetAddress.getAllByName(java.net.URI.create(url).getHost())) {
                if (AlertChannel.isPrivate(address)) {
                    return true;
                }
            }
        } catch (java.net.UnknownHostException e) {
            return false;
        }
        return false;
    }

    private static void requireNotFromFile(AlertRule rule) {
        if (rule.origin() == AlertRule.Origin.FILE) {
            throw new AlertConflictException("rule " + rule.id() + " comes from the rules file (LARCH_ALERT_RULES_FILE): "
                    + "change it there and POST /admin/alerts/reload");
        }
    }

    private String substitute(String text) {
        Matcher matcher = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = environment.get(matcher.group(1));
            if (value == null) {
                throw new InvalidInputException("the rules file uses ${" + matcher.group(1)
                        + "}, which is not set in the server's environment");
            }
            // JSON-escape: the value lands inside a JSON string.
            String escaped = JSON.valueToTree(value).toString();
            matcher.appendReplacement(out, Matcher.quoteReplacement(escaped.substring(1, escaped.length() - 1)));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /** A stored rule as the evaluator and the API use it. */
    static AlertRule read(AlertRepository.RuleRecord record) {
        return AlertRuleJson.fromStored(record.id(), record.projectId(), record.definition(),
                AlertRule.Origin.valueOf(record.origin().toUpperCase(Locale.ROOT)));
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
