package io.larch.cli;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grouping accuracy as the logparser benchmark defines it (Zhu et al., ICSE-SEIP 2019): the
 * share of lines whose predicted group holds exactly the lines of their true group.
 */
public final class GroupingAccuracy {
    private GroupingAccuracy() {
    }

    /** GA of {@code predicted} against {@code truth}, both one label per line in the same order. */
    public static double of(List<String> truth, List<String> predicted) {
        if (truth.size() != predicted.size()) {
            throw new IllegalArgumentException(truth.size() + " true labels but " + predicted.size() + " predicted");
        }
        if (truth.isEmpty()) {
            return 1.0;
        }
        Map<String, Set<Integer>> trueGroups = groups(truth);
        Map<String, Set<Integer>> predictedGroups = groups(predicted);
        long correct = 0;
        for (Set<Integer> group : predictedGroups.values()) {
            int any = group.iterator().next();
            if (trueGroups.get(truth.get(any)).equals(group)) {
                correct += group.size();
            }
        }
        return (double) correct / truth.size();
    }

    private static Map<String, Set<Integer>> groups(List<String> labels) {
        Map<String, Set<Integer>> groups = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            groups.computeIfAbsent(labels.get(i), k -> new HashSet<>()).add(i);
        }
        return groups;
    }
}
