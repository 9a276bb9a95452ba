package io.larch.ingest.protocol.loki;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.larch.ingest.IngestLimits;
import io.larch.model.Kind;
import io.larch.model.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps Loki streams onto Larch event JSON, one event per entry:
 * <ul>
 * <li>the line is the {@code message}; the timestamp is {@code ts} (milliseconds: Larch keeps no
 * finer time; a zero timestamp means the time the push was received);</li>
 * <li>the stream's labels and the entry's structured metadata become {@code attrs} (metadata wins
 * over a label of the same name, being the more specific);</li>
 * <li>{@code level}, else {@code detected_level}, else {@code severity} gives the level (Larch's
 * aliases: warning, err, crit...); one that is no level name stays an attr (Loki's
 * {@code detected_level="unknown"}), since refusing the line for it would lose it;</li>
 * <li>{@code service_name}, else {@code app}, else {@code job} gives the {@code source};
 * a {@code kind} that names a Larch kind gives the kind;</li>
 * <li>{@code trace_id} / {@code traceID} / {@code traceId}, {@code user_id}, {@code conversation_id},
 * {@code build_id}, {@code deployment_id} (or their camelCase names) give those ids.</li>
 * </ul>
 * A name that became a field is not repeated in attrs. Attrs past Larch's limits (more than
 * {@value IngestLimits#MAX_ATTRS}, a name over {@value IngestLimits#MAX_ATTR_KEY_CHARS} characters,
 * a value over {@value IngestLimits#MAX_ATTR_VALUE_CHARS}) are dropped rather than refusing the line;
 * the event then says which in the attr {@value #DROPPED_ATTR}, and the count is returned.
 */
public final class LokiEvents {
    /** The attr that lists the labels dropped from an event for Larch's limits. */
    public static final String DROPPED_ATTR = "larch_dropped_labels";
    private static final List<String> LEVEL_NAMES = List.of("level", "detected_level", "severity");
    private static final List<String> SOURCE_NAMES = List.of("service_name", "app", "job");
    private static final Map<String, String> ID_FIELDS = idFields();

    private LokiEvents() {
    }

    /** The events of a push, in order, and how many labels were dropped for the limits. */
    public record Mapped(List<ObjectNode> events, List<String> positions, int droppedLabels) {
        /** Where event {@code index} came from, like {@code streams[0].values[3]}. */
        public String position(int index) {
            return positions.get(index);
        }
    }

    /** Maps every entry of {@code streams}. */
    public static Mapped map(List<LokiStream> streams) {
        List<ObjectNode> events = new ArrayList<>();
        List<String> positions = new ArrayList<>();
        int dropped = 0;
        for (int i = 0; i < streams.size(); i++) {
            LokiStream stream = streams.get(i);
            for (int j = 0; j < stream.entries().size(); j++) {
                ObjectNode event = JsonNodeFactory.instance.objectNode();
                dropped += fill(event, stream.labels(), stream.entries().get(j));
                events.add(event);
                positions.add("streams[" + i + "].values[" + j + "]");
            }
        }
        return new Mapped(events, positions, dropped);
    }

    /** Fills {@code event} from one entry; returns how many labels it dropped. */
    private static int fill(ObjectNode event, Map<String, String> labels, LokiEntry entry) {
        if (entry.epochNanos() < 0) {
            event.put("ts", -1);
        } else if (entry.epochNanos() > 0) {
            event.put("ts", entry.epochNanos() / 1_000_000);
        }
        event.put("message", entry.line());
        Map<String, String> names = new LinkedHashMap<>(labels);
        names.putAll(entry.structuredMetadata());
        firstOf(names, LEVEL_NAMES, value -> Level.parse(value).map(Level::wireName))
                .ifPresent(level -> event.put("level", level));
        firstOf(names, SOURCE_NAMES, value -> value.isBlank() ? Optional.empty() : Optional.of(value))
                .ifPresent(source -> event.put("source", source));
        firstOf(names, List.of("kind"), value -> Kind.parse(value).map(Kind::wireName))
                .ifPresent(kind -> event.put("kind", kind));
        for (Iterator<Map.Entry<String, String>> it = names.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, String> name = it.next();
            String field = ID_FIELDS.get(name.getKey());
            if (field != null && !event.has(field) && !name.getValue().isBlank()) {
                event.put(field, name.getValue());
                it.remove();
            }
        }
        return attrs(event, names);
    }

    /**
     * The value of the first of {@code candidates} that {@code accept} takes, which is then
     * removed from {@code names}; a value it refuses stays (as an attr).
     */
    private static Optional<String> firstOf(Map<String, String> names, List<String> candidates,
                                            java.util.function.Function<String, Optional<String>> accept) {
        for (String candidate : candidates) {
            String value = names.get(candidate);
            if (value == null) {
                continue;
            }
            Optional<String> accepted = accept.apply(value);
            if (accepted.isPresent()) {
                names.remove(candidate);
                return accepted;
            }
        }
        return Optional.empty();
    }

    private static int attrs(ObjectNode event, Map<String, String> names) {
        if (names.isEmpty()) {
            return 0;
        }
        List<String> dropped = new ArrayList<>();
        Map<String, String> kept = new LinkedHashMap<>();
        for (Map.Entry<String, String> name : names.entrySet()) {
            String key = name.getKey();
            if (key.isEmpty() || key.length() > IngestLimits.MAX_ATTR_KEY_CHARS
                    || name.getValue().length() > IngestLimits.MAX_ATTR_VALUE_CHARS) {
                dropped.add(key.isEmpty() ? "(empty name)" : key);
            } else {
                kept.put(key, name.getValue());
            }
        }
        // One place is kept for the note saying what was dropped.
        int room = IngestLimits.MAX_ATTRS - (dropped.isEmpty() && kept.size() <= IngestLimits.MAX_ATTRS ? 0 : 1);
        ObjectNode attrs = event.putObject("attrs");
        for (Map.Entry<String, String> name : kept.entrySet()) {
            if (attrs.size() < room) {
                attrs.put(name.getKey(), name.getValue());
            } else {
                dropped.add(name.getKey());
            }
        }
        if (!dropped.isEmpty()) {
            attrs.put(DROPPED_ATTR, note(dropped));
        }
        return dropped.size();
    }

    /** The dropped names, shortened to fit an attr value. */
    private static String note(List<String> dropped) {
        StringBuilder note = new StringBuilder();
        for (int i = 0; i < dropped.size(); i++) {
            String name = dropped.get(i);
            String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
            if (note.length() + shown.length() + 32 > IngestLimits.MAX_ATTR_VALUE_CHARS) {
                note.append(" and ").append(dropped.size() - i).append(" more");
                break;
            }
            note.append(i == 0 ? "" : ",").append(shown);
        }
        return note.toString();
    }

    private static Map<String, String> idFields() {
        Map<String, String> ids = new LinkedHashMap<>();
        for (String field : List.of("traceId", "userId", "conversationId", "buildId", "deploymentId")) {
            String snake = field.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
            ids.put(field, field);
            ids.put(snake, field);
        }
        ids.put("traceID", "traceId");
        return Map.copyOf(ids);
    }
}
