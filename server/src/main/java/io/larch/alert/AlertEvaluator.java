package io.larch.alert;

import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.time.Clock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Evaluates a project's rules over the events offered to it, in arrival time (the evaluator's
 * clock, not the events' own timestamps: a backfill of old events is not an outage now), and
 * tells {@code alerts} what fires.
 *
 * <p>Suppression: a rule and group (a fingerprint for spikes, the rule itself otherwise) that
 * fired stay quiet for the rule's {@code suppress} time, counting the events they would have
 * alerted on; when that time ends with any, one {@link Alert.Type#SUMMARY} tells how many.
 * After it, the counts start again from nothing: it takes a whole new threshold to fire again.
 *
 * <p>Bounded: at most {@link #MAX_GROUPS} groups are counted at once (a new group past it is
 * dropped and counted in {@link #droppedGroups}), groups with nothing in their window and no
 * quiet time are forgotten at {@link #tick}, and at most {@link #MAX_SEEN_FINGERPRINTS}
 * fingerprints per project are remembered for new-fingerprint rules (the least recently seen
 * are forgotten and could alert again).
 *
 * <p>Threading: one thread (the evaluator's) calls everything.
 */
public final class AlertEvaluator {
    static final int MAX_GROUPS = 100_000;
    static final int MAX_SEEN_FINGERPRINTS = 100_000;

    private record Key(long ruleId, String group) {
    }

    /** What one rule and group has counted. */
    private static final class Group {
        WindowCount counted;
        /** Error rate: every event the rule's query matched (counted holds the errors). */
        WindowCount all;
        long quietUntil;
        long suppressed;
        LogEvent latest;

        Group(AlertRule rule) {
            reset(rule);
        }

        void reset(AlertRule rule) {
            counted = new WindowCount(rule.window().toMillis());
            all = rule.kind() == AlertRule.Kind.ERROR_RATE ? new WindowCount(rule.window().toMillis()) : null;
        }

        boolean quiet(long now) {
            return quietUntil > now;
        }
    }

    private final Clock clock;
    private final Consumer<Alert> alerts;
    private final Map<Long, List<AlertRule>> rulesByProject = new HashMap<>();
    private final Map<Long, AlertRule> rulesById = new HashMap<>();
    private final Map<Key, Group> groups = new HashMap<>();
    private final Map<Long, Map<String, Boolean>> seenFingerprints = new HashMap<>();
    /** When each rule began to be evaluated: an absence rule needs one whole window first. */
    private final Map<Long, Long> activeSince = new HashMap<>();
    private long droppedGroups;

    public AlertEvaluator(Clock clock, Consumer<Alert> alerts) {
        this.clock = clock;
        this.alerts = alerts;
    }

    /** Replaces every rule of {@code projectId}; the counts of rules kept (same id) go on. */
    public void setRules(long projectId, List<AlertRule> rules) {
        long now = clock.millis();
        List<AlertRule> previous = rulesByProject.getOrDefault(projectId, List.of());
        rulesByProject.put(projectId, List.copyOf(rules));
        previous.stream().filter(old -> rules.stream().noneMatch(r -> r.id() == old.id())).forEach(gone -> {
            groups.keySet().removeIf(key -> key.ruleId() == gone.id());
            activeSince.remove(gone.id());
            rulesById.remove(gone.id());
        });
        rules.forEach(rule -> {
            activeSince.putIfAbsent(rule.id(), now);
            rulesById.put(rule.id(), rule);
        });
    }

    /** Counts one stored event against its project's rules; alerts what fires. */
    public void offer(LogEvent event) {
        List<AlertRule> rules = rulesByProject.get(event.projectId());
        if (rules == null) {
            return;
        }
        long now = clock.millis();
        for (AlertRule rule : rules) {
            switch (rule.kind()) {
                case SPIKE -> {
                    if (rule.counts(event)) {
                        count(rule, event.fingerprint(), event, now);
                    }
                }
                case PATTERN -> {
                    if (rule.matcher().test(event)) {
                        count(rule, rule.name(), event, now);
                    }
                }
                case ABSENCE -> {
                    if (rule.matcher().test(event)) {
                        Group group = group(rule, rule.name());
                        if (group != null) {
                            group.counted.add(now, 1);
                        }
                    }
                }
                case ERROR_RATE -> {
                    if (rule.matcher().test(event)) {
                        errorRate(rule, event, now);
                    }
                }
                case NEW_FINGERPRINT -> {
                    if (rule.counts(event) && firstSight(event)) {
                        alerts.accept(new Alert(rule, Alert.Type.FIRED, event.fingerprint(), 1, event, now));
                    }
                }
            }
        }
    }

    /**
     * Ends quiet times (with their summaries), checks absence rules, and forgets groups with
     * nothing left to count. Call it every second or so.
     */
    public void tick() {
        long now = clock.millis();
        for (List<AlertRule> rules : rulesByProject.values()) {
            for (AlertRule rule : rules) {
                if (rule.kind() == AlertRule.Kind.ABSENCE) {
                    absence(rule, now);
                }
            }
        }
        Iterator<Map.Entry<Key, Group>> entries = groups.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<Key, Group> entry = entries.next();
            Group group = entry.getValue();
            AlertRule rule = rulesById.get(entry.getKey().ruleId());
            if (rule == null) {
                entries.remove();
                continue;
            }
            if (group.quietUntil > 0 && group.quietUntil <= now) {
                if (group.suppressed > 0) {
                    alerts.accept(new Alert(rule, Alert.Type.SUMMARY, entry.getKey().group(), group.suppressed,
                            group.latest, now));
                }
                group.quietUntil = 0;
                group.suppressed = 0;
            }
            boolean idle = group.quietUntil == 0 && group.counted.isEmpty(now) && (group.all == null || group.all.isEmpty(now));
            if (idle && rule.kind() != AlertRule.Kind.ABSENCE) {
                entries.remove();
            }
        }
    }

    /** Groups not counted because {@link #MAX_GROUPS} were already. */
    public long droppedGroups() {
        return droppedGroups;
    }

    /** Groups counted now (for tests and metrics). */
    public int groupCount() {
        return groups.size();
    }

    /** Spike and pattern: fire at the threshold, then stay quiet counting. */
    private void count(AlertRule rule, String groupName, LogEvent event, long now) {
        Group group = group(rule, groupName);
        if (group == null) {
            return;
        }
        group.latest = event;
        if (group.quiet(now)) {
            group.suppressed++;
            return;
        }
        group.counted.add(now, 1);
        long counted = group.counted.count(now);
        if (counted >= rule.threshold()) {
            fire(rule, groupName, group, counted, event, now);
        }
    }

    private void errorRate(AlertRule rule, LogEvent event, long now) {
        Group group = group(rule, rule.name());
        if (group == null) {
            return;
        }
        boolean error = event.level().severity() >= Level.ERROR.severity();
        if (error) {
            group.latest = event;
        }
        if (group.quiet(now)) {
            group.suppressed += error ? 1 : 0;
            return;
        }
        group.all.add(now, 1);
        if (error) {
            group.counted.add(now, 1);
        }
        long all = group.all.count(now);
        long errors = group.counted.count(now);
        if (all >= rule.minEvents() && errors * 100.0 / all > rule.threshold()) {
            fire(rule, rule.name(), group, errors, group.latest, now);
        }
    }

    private void absence(AlertRule rule, long now) {
        Group group = group(rule, rule.name());
        if (group == null || group.quiet(now) || now - activeSince.getOrDefault(rule.id(), now) < rule.window().toMillis()) {
            return;
        }
        long counted = group.counted.count(now);
        if (counted < rule.threshold()) {
            alerts.accept(new Alert(rule, Alert.Type.FIRED, rule.name(), counted, null, now));
            group.quietUntil = rule.suppress().isZero() ? 0 : now + rule.suppress().toMillis();
            // Absent events cannot be counted as suppressed: the quiet time ends without a summary.
        }
    }

    private void fire(AlertRule rule, String groupName, Group group, long count, LogEvent sample, long now) {
        alerts.accept(new Alert(rule, Alert.Type.FIRED, groupName, count, sample, now));
        group.reset(rule);
        group.suppressed = 0;
        group.quietUntil = rule.suppress().isZero() ? 0 : now + rule.suppress().toMillis();
    }

    /** True the first time a project's fingerprint is seen. */
    private boolean firstSight(LogEvent event) {
        return seen(event.projectId()).put(event.fingerprint(), Boolean.TRUE) == null;
    }

    /** Marks fingerprints already seen (from the store, at start), so they do not alert as new. */
    public void alreadySeen(long projectId, List<String> fingerprints) {
        Map<String, Boolean> seen = seen(projectId);
        fingerprints.forEach(fingerprint -> seen.put(fingerprint, Boolean.TRUE));
    }

    /** The fingerprints {@code projectId} has shown, least recently seen out past the cap. */
    private Map<String, Boolean> seen(long projectId) {
        return seenFingerprints.computeIfAbsent(projectId, p -> new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > MAX_SEEN_FINGERPRINTS;
            }
        });
    }

    private Group group(AlertRule rule, String name) {
        Key key = new Key(rule.id(), name);
        Group group = groups.get(key);
        if (group == null) {
            if (groups.size() >= MAX_GROUPS) {
                droppedGroups++;
                return null;
            }
            group = new Group(rule);
            groups.put(key, group);
        }
        return group;
    }
}
