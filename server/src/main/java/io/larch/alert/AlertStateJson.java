package io.larch.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A rule's evaluator state as the catalog stores it (JSON): when it began, and per group its quiet
 * time, suppressed count, window seconds, last builds and latest event (the summary's sample,
 * its message cut to {@link AlertText#MAX_SAMPLE} characters).
 */
final class AlertStateJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertStateJson() {
    }

    static String write(AlertEvaluator.RuleState state) {
        ObjectNode root = JSON.createObjectNode();
        root.put("activeSince", state.activeSince());
        root.put("signature", state.signature());
        ArrayNode groups = root.putArray("groups");
        for (AlertEvaluator.GroupState group : state.groups()) {
            ObjectNode node = groups.addObject();
            node.put("group", group.group());
            node.put("quietUntil", group.quietUntil());
            node.put("suppressed", group.suppressed());
            seconds(node.putArray("counted"), group.counted());
            seconds(node.putArray("all"), group.all());
            ArrayNode builds = node.putArray("builds");
            group.builds().forEach(build -> builds.addArray().add(build.getKey()).add(build.getValue()));
            if (group.latest() != null) {
                LogEvent e = group.latest();
                ObjectNode sample = node.putObject("latest");
                sample.put("id", e.id()).put("ts", e.ts()).put("receivedAt", e.receivedAt()).put("projectId", e.projectId())
                        .put("kind", e.kind().wireName()).put("level", e.level().name())
                        .put("message", e.message().length() <= AlertText.MAX_SAMPLE ? e.message() : e.message().substring(0, AlertText.MAX_SAMPLE))
                        .put("source", e.source()).put("fingerprint", e.fingerprint()).put("buildId", e.buildId())
                        .put("deploymentId", e.deploymentId()).put("status", e.status());
            }
        }
        return root.toString();
    }

    static AlertEvaluator.RuleState read(String text) throws IOException {
        JsonNode root = JSON.readTree(text);
        List<AlertEvaluator.GroupState> groups = new ArrayList<>();
        for (JsonNode node : root.path("groups")) {
            List<Map.Entry<String, Boolean>> builds = new ArrayList<>();
            node.path("builds").forEach(build -> builds.add(Map.entry(build.get(0).asText(), build.get(1).asBoolean())));
            JsonNode sample = node.get("latest");
            LogEvent latest = sample == null ? null : new LogEvent(sample.path("id").asLong(), sample.path("ts").asLong(),
                    sample.path("receivedAt").asLong(), sample.path("projectId").asLong(),
                    Kind.parse(sample.path("kind").asText()).orElse(Kind.APP), Level.valueOf(sample.path("level").asText()),
                    sample.path("message").asText(), textOrNull(sample, "source"), null, sample.path("fingerprint").asText(),
                    null, null, textOrNull(sample, "buildId"), textOrNull(sample, "deploymentId"), null,
                    textOrNull(sample, "status"), Map.of());
            groups.add(new AlertEvaluator.GroupState(node.path("group").asText(), node.path("quietUntil").asLong(),
                    node.path("suppressed").asLong(), seconds(node.path("counted")), seconds(node.path("all")), builds, latest));
        }
        return new AlertEvaluator.RuleState(root.path("activeSince").asLong(), root.path("signature").asText(), groups);
    }

    private static void seconds(ArrayNode into, List<long[]> seconds) {
        seconds.forEach(second -> into.addArray().add(second[0]).add(second[1]));
    }

    private static List<long[]> seconds(JsonNode node) {
        List<long[]> seconds = new ArrayList<>();
        node.forEach(second -> seconds.add(new long[] {second.get(0).asLong(), second.get(1).asLong()}));
        return seconds;
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
