package io.larch.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.config.ConfigLoader;
import io.larch.model.InvalidInputException;
import io.larch.model.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A rule as JSON, the one shape the API takes, the rules file holds and the catalog stores:
 * {@code {"name":"checkout errors","kind":"pattern","query":"source:checkout level>=error",
 * "threshold":10,"window":"5m","suppress":"15m","channels":[{"type":"discord","url":"..."}]}}.
 * Field errors name the field ({@code channels[0].url: ...}) behind the caller's prefix.
 */
public final class AlertRuleJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> FIELDS = Set.of("name", "kind", "threshold", "minEvents", "window", "suppress", "query",
            "minLevel", "channels");
    private static final Set<String> CHANNEL_FIELDS = Set.of("type", "url", "secret", "to");

    private AlertRuleJson() {
    }

    /**
     * The rule {@code node} describes; unset fields take the kind's defaults.
     *
     * @param prefix put before field names in errors, e.g. {@code rules[3].} (empty for the API)
     */
    public static AlertRule parse(long id, long projectId, JsonNode node, AlertRule.Origin origin, String prefix) {
        if (node == null || !node.isObject()) {
            throw new InvalidInputException(prefix.isEmpty() ? "the rule must be a JSON object" : prefix + ": must be an object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name) && !(prefix.startsWith("rules[") && name.equals("project"))) {
                throw new InvalidInputException(prefix + name + ": unknown field; use any of " + FIELDS.stream().sorted().toList());
            }
        }
        try {
            String kindText = text(node, "kind");
            if (kindText == null) {
                throw new InvalidInputException("kind: say what the rule watches: one of "
                        + java.util.Arrays.stream(AlertRule.Kind.values()).map(AlertRule.Kind::wireName).toList());
            }
            AlertRule.Kind kind = AlertRule.Kind.parse(kindText.trim().toLowerCase(Locale.ROOT));
            Defaults defaults = Defaults.of(kind);
            double threshold = node.has("threshold") ? number(node, "threshold") : defaults.threshold;
            long minEvents = node.has("minEvents") ? (long) whole(node, "minEvents") : defaults.minEvents;
            Duration window = node.has("window") ? duration(node, "window") : defaults.window;
            Duration suppress = node.has("suppress") ? duration(node, "suppress") : null;
            String levelText = text(node, "minLevel");
            Level minLevel = levelText == null ? null : Level.parse(levelText).orElseThrow(() -> new InvalidInputException(
                    "minLevel: one of " + Level.names()));
            return AlertRule.of(id, projectId, text(node, "name"), kind, threshold, minEvents, window, suppress,
                    text(node, "query"), minLevel, channels(node.get("channels")), origin);
        } catch (InvalidInputException e) {
            throw prefix.isEmpty() ? e : new InvalidInputException(prefix + e.getMessage());
        }
    }

    /** The rule as stored: everything, channel secrets included. */
    public static String stored(AlertRule rule) {
        return definition(rule, true).toString();
    }

    /** The rule as the API shows it: webhook URLs shortened and secrets hidden (they are credentials). */
    public static ObjectNode shown(AlertRule rule) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", rule.id());
        node.put("projectId", rule.projectId());
        node.setAll(definition(rule, false));
        node.put("origin", rule.origin().wireName());
        return node;
    }

    /** Parses a stored definition (as {@link #stored} wrote it). */
    public static AlertRule fromStored(long id, long projectId, String definition, AlertRule.Origin origin) {
        try {
            return parse(id, projectId, JSON.readTree(definition), origin, "");
        } catch (java.io.IOException e) {
            throw new IllegalStateException("alert rule " + id + " is stored damaged: " + e.getMessage(), e);
        }
    }

    private static ObjectNode definition(AlertRule rule, boolean secrets) {
        ObjectNode node = JSON.createObjectNode();
        node.put("name", rule.name());
        node.put("kind", rule.kind().wireName());
        if (rule.threshold() == Math.floor(rule.threshold())) {
            node.put("threshold", (long) rule.threshold());
        } else {
            node.put("threshold", rule.threshold());
        }
        node.put("minEvents", rule.minEvents());
        node.put("window", show(rule.window()));
        node.put("suppress", show(rule.suppress()));
        if (rule.query() != null) {
            node.put("query", rule.query());
        }
        node.put("minLevel", rule.minLevel().name().toLowerCase(Locale.ROOT));
        ArrayNode channels = node.putArray("channels");
        for (AlertChannel channel : rule.channels()) {
            ObjectNode shown = channels.addObject();
            shown.put("type", channel.type().wireName());
            if (channel.type() == AlertChannel.Type.EMAIL) {
                ArrayNode to = shown.putArray("to");
                channel.to().forEach(to::add);
            } else if (secrets) {
                shown.put("url", channel.url());
                if (channel.secret() != null) {
                    shown.put("secret", channel.secret());
                }
            } else {
                shown.put("url", channel.describeTarget());
                shown.put("secret", channel.secret() != null ? AlertChannel.HIDDEN_SECRET : null);
            }
        }
        return node;
    }

    /** What a kind counts when the rule does not say: the "sane defaults". */
    private record Defaults(double threshold, long minEvents, Duration window) {
        static Defaults of(AlertRule.Kind kind) {
            return switch (kind) {
                case SPIKE -> new Defaults(5, 0, Duration.ofSeconds(60));
                case ERROR_RATE -> new Defaults(10, 50, Duration.ofMinutes(5));
                case NEW_FINGERPRINT, DEPLOY_FAILURE -> new Defaults(1, 0, Duration.ofMinutes(1));
                case PATTERN -> new Defaults(1, 0, Duration.ofMinutes(5));
                case ABSENCE -> new Defaults(1, 0, Duration.ofMinutes(15));
                case BUILD_FAILURES -> new Defaults(50, 10, Duration.ofDays(1));
            };
        }
    }

    private static List<AlertChannel> channels(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new InvalidInputException("channels: an array like [{\"type\":\"discord\",\"url\":\"https://discord.com/api/webhooks/...\"}]");
        }
        List<AlertChannel> channels = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "channels[" + i + "]";
            JsonNode channel = node.get(i);
            if (!channel.isObject()) {
                throw new InvalidInputException(field + ": must be an object with a type");
            }
            for (Iterator<String> names = channel.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!CHANNEL_FIELDS.contains(name)) {
                    throw new InvalidInputException(field + "." + name + ": unknown field; use any of "
                            + CHANNEL_FIELDS.stream().sorted().toList());
                }
            }
            List<String> to = null;
            JsonNode recipients = channel.get("to");
            if (recipients != null && !recipients.isNull()) {
                to = new ArrayList<>();
                if (recipients.isTextual()) {
                    to.add(recipients.textValue());
                } else if (recipients.isArray()) {
                    for (JsonNode address : recipients) {
                        to.add(address.isTextual() ? address.textValue() : address.toString());
                    }
                } else {
                    throw new InvalidInputException(field + ".to: an address or an array of addresses");
                }
            }
            channels.add(AlertChannel.of(field, text(channel, "type", field + "."), text(channel, "url", field + "."),
                    text(channel, "secret", field + "."), to));
        }
        return channels;
    }

    private static String text(JsonNode node, String field) {
        return text(node, field, "");
    }

    private static String text(JsonNode node, String field, String prefix) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidInputException(prefix + field + ": must be a string");
        }
        return value.textValue();
    }

    private static double number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
            throw new InvalidInputException(field + ": must be a number");
        }
        return value.doubleValue();
    }

    private static double whole(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new InvalidInputException(field + ": must be a whole number");
        }
        return value.longValue();
    }

    private static Duration duration(JsonNode node, String field) {
        String text = text(node, field);
        if (text == null) {
            throw new InvalidInputException(field + ": a duration like 60s, 5m or 1h");
        }
        try {
            return ConfigLoader.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field + ": a duration like 60s, 5m or 1h, got '" + text + "'");
        }
    }

    /** The shortest of {@code Nd}, {@code Nh}, {@code Nm}, {@code Ns} that says it exactly. */
    static String show(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds != 0 && seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds != 0 && seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds != 0 && seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
