package io.larch.ingest;

import io.larch.model.FingerprintMerge;
import io.larch.model.InvalidInputException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The merge rules in force, per project, for the ingest path: {@link #resolve} maps a
 * fingerprint to the group it was merged into (following chains: a into b, b into c gives c).
 * Rules never form a cycle ({@link #checkNoCycle} rejects one before it is recorded).
 *
 * <p>Threading: read on every event without a lock (one volatile read of an immutable map);
 * changes copy the map, under this object's monitor. Rules are few and rarely change.
 */
public final class FingerprintMerges {
    /** Longer chains than this cannot be made: {@link #checkNoCycle} refuses them. */
    static final int MAX_CHAIN = 16;
    private volatile Map<Long, Map<String, String>> rules = Map.of();

    /** Starts from the recorded rules, oldest first. */
    public FingerprintMerges(Collection<FingerprintMerge> recorded) {
        Map<Long, Map<String, String>> loaded = new HashMap<>();
        for (FingerprintMerge merge : recorded) {
            loaded.computeIfAbsent(merge.projectId(), p -> new HashMap<>()).put(merge.fingerprint(), merge.into());
        }
        loaded.replaceAll((project, map) -> Map.copyOf(map));
        rules = Map.copyOf(loaded);
    }

    /** The group {@code fingerprint}'s events land in: itself when no rule names it. */
    public String resolve(long projectId, String fingerprint) {
        Map<String, String> project = rules.get(projectId);
        if (project == null || project.isEmpty()) {
            return fingerprint;
        }
        String current = fingerprint;
        for (int i = 0; i < MAX_CHAIN; i++) {
            String next = project.get(current);
            if (next == null) {
                return current;
            }
            current = next;
        }
        return current;
    }

    /** The rules of {@code projectId}: merged fingerprint to the one it was merged into (one step). */
    public Map<String, String> rules(long projectId) {
        return rules.getOrDefault(projectId, Map.of());
    }

    /**
     * Refuses a rule {@code fingerprint} into {@code into} that would make a cycle or a chain
     * longer than {@link #MAX_CHAIN}.
     *
     * @throws InvalidInputException naming what is wrong
     */
    public void checkNoCycle(long projectId, String fingerprint, String into) {
        if (fingerprint.equals(into)) {
            throw new InvalidInputException("into: a fingerprint cannot be merged into itself");
        }
        // Checked on the rules as they would be: every chain, also those that end in fingerprint.
        Map<String, String> after = new HashMap<>(rules(projectId));
        after.put(fingerprint, into);
        for (String start : after.keySet()) {
            String current = start;
            for (int step = 0; ; step++) {
                String next = after.get(current);
                if (next == null) {
                    break;
                }
                if (next.equals(start)) {
                    throw new InvalidInputException("into: '" + into + "' is already merged into '" + fingerprint
                            + "' (directly or through others); merging back would make a cycle: delete that rule first");
                }
                if (step == MAX_CHAIN) {
                    throw new InvalidInputException("into: the merge would make a chain of more than " + MAX_CHAIN
                            + " merges; merge into the group '" + into + "' lands in, '" + resolve(projectId, into) + "'");
                }
                current = next;
            }
        }
    }

    /** Puts a rule in force (after it is recorded). */
    public synchronized void put(long projectId, String fingerprint, String into) {
        change(projectId, project -> project.put(fingerprint, into));
    }

    /** Takes a rule out of force (after its deletion is recorded). */
    public synchronized void remove(long projectId, String fingerprint) {
        change(projectId, project -> project.remove(fingerprint));
    }

    private void change(long projectId, Consumer<Map<String, String>> edit) {
        Map<Long, Map<String, String>> all = new HashMap<>(rules);
        Map<String, String> project = new HashMap<>(all.getOrDefault(projectId, Map.of()));
        edit.accept(project);
        all.put(projectId, Map.copyOf(project));
        rules = Map.copyOf(all);
    }
}
