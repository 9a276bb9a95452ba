package io.larch.alert;

import io.larch.meta.AlertClaimRepository;
import io.larch.model.BuildOutcome;
import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

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
 * <p>Several nodes: each evaluates the events it ingested, and asks {@link AlertClaims} before it
 * sends, so a firing, a summary and a flood budget are decided once for all of them (a node that
 * loses a firing goes quiet until the winner's quiet time ends and counts what it suppressed
 * toward the one summary). Threshold rules (spike, pattern, error rate, absence) add the other
 * nodes' counts, shared every tick per bucket of the window ({@link AlertClaims#othersCounts}), so
 * a threshold is reached by the events of all nodes together and silence is silence on all of
 * them; the other nodes' part is at most a tick or two old. Build-failure ratios, deploy failures
 * and new fingerprints are decided by the node that saw the event.
 *
 * <p>Threading: one thread (the evaluator's) calls everything.
 */
public final class AlertEvaluator {
    static final int MAX_GROUPS = 100_000;
    static final int MAX_SEEN_FINGERPRINTS = 100_000;
    /** Alerts one rule sends within its quiet time at most; the rest make one summary at its end. */
    static final int MAX_ALERTS_PER_RULE = 5;
    /**
     * The group of rules that count as one (all but spike and deploy failure): not the rule's
     * name, so renaming a rule keeps its counts and quiet time.
     */
    static final String WHOLE_RULE = "";

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
        /** Build failures: the last builds that ended, by build id (true: failed), oldest first. */
        LinkedHashMap<String, Boolean> builds;
        /** Several nodes: what the others counted in the window at the last tick (counted, and all for error rate). */
        long othersCounted;
        long othersAll;
        /** Several nodes: what this node counted since the last tick, by bucket start: {counted, all}; null when nothing. */
        Map<Long, long[]> unshared;

        Group(AlertRule rule) {
            reset(rule);
            if (rule.kind() == AlertRule.Kind.BUILD_FAILURES) {
                builds = new LinkedHashMap<>();
            }
        }

        void reset(AlertRule rule) {
            counted = new WindowCount(rule.window().toMillis());
            all = rule.kind() == AlertRule.Kind.ERROR_RATE ? new WindowCount(rule.window().toMillis()) : null;
            othersCounted = 0;
            othersAll = 0;
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
    private final Map<Long, Flood> floods = new HashMap<>();
    private final Map<Long, Map<String, Boolean>> seenFingerprints = new HashMap<>();
    /** When each rule began to be evaluated: an absence rule needs one whole window first. */
    private final Map<Long, Long> activeSince = new HashMap<>();
    private long droppedGroups;
    /** Rules whose counts changed since {@link #takeChanges}: their state is written again. */
    private final Set<Long> changed = new HashSet<>();
    private final List<SeenFingerprint> newlySeen = new ArrayList<>();
    private final AlertClaims claims;
    /** When this evaluator began: its own counts from before (a restart) are read back from the shared table. */
    private final long startedAt;
    /** Summaries of quiet times that ended, claimed once their delay has passed (several nodes). */
    private final List<PendingSummary> pendingSummaries = new ArrayList<>();
    /** Shared flood windows this node held alerts in, whose summary it claims once they end. */
    private final Map<FloodWindow, PendingFlood> pendingFloods = new HashMap<>();

    /** One rule's shared flood window, named by its start. */
    private record FloodWindow(long ruleId, long windowStart) {
    }

    /** A quiet time's summary to claim at {@code due}. */
    private record PendingSummary(long ruleId, String group, long quietUntil, LogEvent latest, long due) {
    }

    /** A shared flood window that held alerts back, and the latest sample they had. */
    private record PendingFlood(long ruleId, long windowStart, long due, LogEvent latest) {
    }

    /** One node: every alert decided here. */
    public AlertEvaluator(Clock clock, Consumer<Alert> alerts) {
        this(clock, alerts, AlertClaims.LOCAL);
    }

    /** Alerts claimed through {@code claims} before they are sent (several nodes). */
    public AlertEvaluator(Clock clock, Consumer<Alert> alerts, AlertClaims claims) {
        this.clock = clock;
        this.alerts = alerts;
        this.claims = claims;
        this.startedAt = clock.millis();
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
            changed.add(gone.id());
        });
        rules.forEach(rule -> {
            AlertRule before = rulesById.put(rule.id(), rule);
            if (before != null && !sameCounting(before, rule)) {
                // What it counts changed: counting it the old way would mislead.
                groups.keySet().removeIf(key -> key.ruleId() == rule.id());
                activeSince.remove(rule.id());
            }
            if (activeSince.putIfAbsent(rule.id(), now) == null) {
                changed.add(rule.id());
            }
        });
        if (rules.isEmpty()) {
            rulesByProject.remove(projectId);
        }
    }

    /** Counts one stored event against its project's rules; alerts what fires. */
    public void offer(LogEvent event) {
        List<AlertRule> rules = rulesByProject.get(event.projectId());
        if (rules == null) {
            return;
        }
        long now = clock.millis();
        // Once per event, not per rule: two new-fingerprint rules (say the default and one with a
        // channel and a query) both see the first sight.
        Boolean first = null;
        for (AlertRule rule : rules) {
            switch (rule.kind()) {
                case SPIKE -> {
                    if (rule.counts(event)) {
                        count(rule, event.fingerprint(), event, now);
                    }
                }
                case PATTERN -> {
                    if (rule.matcher().test(event)) {
                        count(rule, WHOLE_RULE, event, now);
                    }
                }
                case ABSENCE -> {
                    if (rule.matcher().test(event)) {
                        Group group = group(rule, WHOLE_RULE);
                        if (group != null) {
                            group.counted.add(now, 1);
                            share(rule, group, now, 1, 0);
                            changed.add(rule.id());
                        }
                    }
                }
                case ERROR_RATE -> {
                    if (rule.matcher().test(event)) {
                        errorRate(rule, event, now);
                    }
                }
                case NEW_FINGERPRINT -> {
                    // Quiet per rule, not per fingerprint: a release that brings thirty new errors
                    // is one message and one summary, not thirty.
                    if (first == null) {
                        first = firstSight(event);
                    }
                    if (first && rule.counts(event)) {
                        count(rule, WHOLE_RULE, event, now);
                    }
                }
                case BUILD_FAILURES -> {
                    if (event.kind() == Kind.BUILD && BuildOutcome.of(event) != null && rule.matcher().test(event)) {
                        buildEnded(rule, event, now);
                    }
                }
                case DEPLOY_FAILURE -> {
                    if (event.kind() == Kind.DEPLOY && BuildOutcome.of(event) == BuildOutcome.FAILED
                            && rule.matcher().test(event)) {
                        count(rule, event.deploymentId(), event, now);
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
        endFloods(now);
        shareCounts(now);
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
                    quietEnded(rule, entry.getKey().group(), group, now);
                }
                group.quietUntil = 0;
                group.suppressed = 0;
                changed.add(rule.id());
            }
            boolean idle = group.quietUntil == 0 && group.counted.isEmpty(now) && (group.all == null || group.all.isEmpty(now));
            if (idle && rule.kind() != AlertRule.Kind.ABSENCE && rule.kind() != AlertRule.Kind.BUILD_FAILURES) {
                entries.remove();
                changed.add(rule.id());
            }
        }
        claimDueSummaries(now);
    }

    /**
     * A quiet time ended with suppressed events: on one node its summary is sent now; with
     * several, this node's count is added to the shared one and the summary claimed later.
     */
    private void quietEnded(AlertRule rule, String groupName, Group group, long now) {
        long total = claims.summary(rule.id(), groupName, group.quietUntil, group.suppressed);
        if (total > 0) {
            emit(new Alert(rule, Alert.Type.SUMMARY, shown(rule, groupName), total, group.latest, now));
        } else if (total < 0) {
            pendingSummaries.add(new PendingSummary(rule.id(), groupName, group.quietUntil, group.latest,
                    now + claims.summaryDelayMillis()));
        }
    }

    /** Claims the summaries whose delay has passed; the node that wins sends the total of every node. */
    private void claimDueSummaries(long now) {
        for (PendingSummary summary : takeDue(pendingSummaries, PendingSummary::due, now)) {
            AlertRule rule = rulesById.get(summary.ruleId());
            long total = claims.summary(summary.ruleId(), summary.group(), summary.quietUntil(), -1);
            if (rule != null && total > 0) {
                emit(new Alert(rule, Alert.Type.SUMMARY, shown(rule, summary.group()), total, summary.latest(), now));
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
        changed.add(rule.id());
        group.latest = sample(event);
        if (group.quiet(now)) {
            group.suppressed++;
            return;
        }
        group.counted.add(now, 1);
        share(rule, group, now, 1, 0);
        long counted = group.counted.count(now) + group.othersCounted;
        if (counted >= rule.threshold()) {
            fire(rule, groupName, group, counted, event, now);
        }
    }

    private void errorRate(AlertRule rule, LogEvent event, long now) {
        Group group = group(rule, WHOLE_RULE);
        if (group == null) {
            return;
        }
        changed.add(rule.id());
        boolean error = event.level().severity() >= Level.ERROR.severity();
        if (error) {
            group.latest = sample(event);
        }
        if (group.quiet(now)) {
            group.suppressed += error ? 1 : 0;
            return;
        }
        group.all.add(now, 1);
        if (error) {
            group.counted.add(now, 1);
        }
        share(rule, group, now, error ? 1 : 0, 1);
        errorRateReached(rule, group, now);
    }

    /** Fires an error-rate rule whose share of errors, over every node's events, is past its threshold. */
    private void errorRateReached(AlertRule rule, Group group, long now) {
        long all = group.all.count(now) + group.othersAll;
        long errors = group.counted.count(now) + group.othersCounted;
        if (all >= rule.minEvents() && all > 0 && errors * 100.0 / all > rule.threshold()) {
            fire(rule, WHOLE_RULE, group, errors, group.latest, now);
        }
    }

    private void absence(AlertRule rule, long now) {
        Group group = group(rule, WHOLE_RULE);
        if (group == null || group.quiet(now) || now - activeSince.getOrDefault(rule.id(), now) < rule.window().toMillis()) {
            return;
        }
        long counted = group.counted.count(now) + group.othersCounted;
        if (counted < rule.threshold()) {
            // At least a window, even with suppress 0s: silence is told once per window, not every second.
            AlertClaims.Claim claim = claims.fire(rule.id(), WHOLE_RULE, now,
                    now + Math.max(rule.suppress().toMillis(), rule.window().toMillis()));
            if (claim.won()) {
                emit(new Alert(rule, Alert.Type.FIRED, shown(rule, WHOLE_RULE), counted, null, now));
            }
            group.quietUntil = claim.quietUntil();
            changed.add(rule.id());
            // Absent events cannot be counted as suppressed: the quiet time ends without a summary.
        }
    }

    /**
     * Build failures: the build's latest end replaces its earlier one (a re-run that passed is a
     * pass); the share is over the last {@code minEvents} builds, once that many have ended.
     */
    private void buildEnded(AlertRule rule, LogEvent event, long now) {
        Group group = group(rule, WHOLE_RULE);
        if (group == null) {
            return;
        }
        changed.add(rule.id());
        boolean failed = BuildOutcome.of(event) == BuildOutcome.FAILED;
        group.builds.remove(event.buildId());
        group.builds.put(event.buildId(), failed);
        while (group.builds.size() > rule.minEvents()) {
            group.builds.pollFirstEntry();
        }
        if (failed) {
            group.latest = sample(event);
        }
        if (group.quiet(now)) {
            group.suppressed += failed ? 1 : 0;
            return;
        }
        long failures = group.builds.values().stream().filter(Boolean::booleanValue).count();
        if (failed && group.builds.size() >= rule.minEvents() && failures * 100.0 / group.builds.size() > rule.threshold()) {
            AlertClaims.Claim claim = claims.fire(rule.id(), WHOLE_RULE, now,
                    rule.suppress().isZero() ? 0 : now + rule.suppress().toMillis());
            if (claim.won()) {
                emit(new Alert(rule, Alert.Type.FIRED, shown(rule, WHOLE_RULE), failures, event, now));
            }
            // Lost: another node told this occurrence; this failure is one more it suppressed.
            group.suppressed = claim.won() ? 0 : 1;
            group.quietUntil = claim.quietUntil();
        }
    }

    /**
     * Sends the firing when this node wins its claim; a node that loses goes quiet until the
     * winner's quiet time ends, and what it counted joins the suppressed for the one summary.
     */
    private void fire(AlertRule rule, String groupName, Group group, long count, LogEvent sample, long now) {
        AlertClaims.Claim claim = claims.fire(rule.id(), groupName, now,
                rule.suppress().isZero() ? 0 : now + rule.suppress().toMillis());
        if (claim.won()) {
            emit(new Alert(rule, Alert.Type.FIRED, shown(rule, groupName), count, sample, now));
        }
        // Lost: what this node counted joins the winner's quiet time as suppressed, but for what the
        // winner already counted of it (what this node shared before the last tick).
        long unseen = claims.isShared() && sharesCounts(rule) ? unshared(group) : group.counted.count(now);
        group.reset(rule);
        group.suppressed = claim.won() ? 0 : unseen;
        group.quietUntil = claim.quietUntil();
    }

    /** Threshold rules whose counts several nodes add up (the others' part comes from {@link AlertClaims#othersCounts}). */
    private static boolean sharesCounts(AlertRule rule) {
        return switch (rule.kind()) {
            case SPIKE, PATTERN, ERROR_RATE, ABSENCE -> true;
            case NEW_FINGERPRINT, BUILD_FAILURES, DEPLOY_FAILURE -> false;
        };
    }

    /** What this node counted since its last {@link #shareCounts}: what the other nodes cannot have seen. */
    private static long unshared(Group group) {
        return group.unshared == null ? 0 : group.unshared.values().stream().mapToLong(counts -> counts[0]).sum();
    }

    /** Several nodes: remembers what this node just counted, for the next {@link #shareCounts}. */
    private void share(AlertRule rule, Group group, long now, long counted, long all) {
        if (!claims.isShared() || !sharesCounts(rule)) {
            return;
        }
        if (group.unshared == null) {
            group.unshared = new HashMap<>();
        }
        long[] bucket = group.unshared.computeIfAbsent(group.counted.bucketStart(now), start -> new long[2]);
        bucket[0] += counted;
        bucket[1] += all;
    }

    /**
     * Several nodes, every tick: adds what this node counted since the last tick, reads what the
     * others counted in each rule's window for the groups this node holds, and fires a group
     * that together passed its threshold (the claim keeps that to one node).
     */
    private void shareCounts(long now) {
        if (!claims.isShared()) {
            return;
        }
        List<AlertClaimRepository.Count> mine = new ArrayList<>();
        Map<Long, List<Map.Entry<Key, Group>>> byRule = new HashMap<>();
        for (Map.Entry<Key, Group> entry : groups.entrySet()) {
            AlertRule rule = rulesById.get(entry.getKey().ruleId());
            if (rule == null || !sharesCounts(rule)) {
                continue;
            }
            byRule.computeIfAbsent(rule.id(), id -> new ArrayList<>()).add(entry);
            Group group = entry.getValue();
            if (group.unshared != null) {
                group.unshared.forEach((start, counts) -> mine.add(new AlertClaimRepository.Count(rule.id(),
                        entry.getKey().group(), start, counts[0], counts[1])));
                group.unshared = null;
            }
        }
        claims.addCounts(mine);
        byRule.forEach((ruleId, entries) -> {
            AlertRule rule = rulesById.get(ruleId);
            WindowCount window = entries.getFirst().getValue().counted;
            Map<String, long[]> others = claims.othersCounts(ruleId, window.windowEdge(now), window.bucketStart(startedAt));
            for (Map.Entry<Key, Group> entry : entries) {
                Group group = entry.getValue();
                long[] theirs = others.getOrDefault(entry.getKey().group(), new long[2]);
                group.othersCounted = theirs[0];
                group.othersAll = theirs[1];
                if (theirs[0] + theirs[1] > 0 && !group.quiet(now)) {
                    thresholdTogether(rule, entry.getKey().group(), group, now);
                }
            }
        });
    }

    /** A group whose count, with the other nodes' added, may have passed its threshold since its last event. */
    private void thresholdTogether(AlertRule rule, String groupName, Group group, long now) {
        switch (rule.kind()) {
            case SPIKE, PATTERN -> {
                long counted = group.counted.count(now) + group.othersCounted;
                if (counted >= rule.threshold()) {
                    fire(rule, groupName, group, counted, group.latest, now);
                }
            }
            case ERROR_RATE -> errorRateReached(rule, group, now);
            default -> {
                // absence is checked by the tick with the others' counts; the rest are not shared
            }
        }
    }

    /** True the first time a project's fingerprint is seen; a first sight is remembered for the next start. */
    private boolean firstSight(LogEvent event) {
        boolean first = seen(event.projectId()).put(event.fingerprint(), Boolean.TRUE) == null;
        if (first) {
            newlySeen.add(new SeenFingerprint(event.projectId(), event.fingerprint()));
        }
        return first;
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

    private static boolean sameCounting(AlertRule a, AlertRule b) {
        return a.countingSignature().equals(b.countingSignature());
    }

    /** What a group shows as its name: the fingerprint or deployment, or the rule's name for a whole rule. */
    private static String shown(AlertRule rule, String group) {
        return group.equals(WHOLE_RULE) ? rule.name() : group;
    }

    /**
     * What a group keeps of its latest event (the summary's sample): the message cut short, no
     * stack or attributes, so a group costs little however large the events it counted.
     */
    private static LogEvent sample(LogEvent e) {
        String message = e.message().length() <= AlertText.MAX_SAMPLE ? e.message() : e.message().substring(0, AlertText.MAX_SAMPLE);
        return new LogEvent(e.id(), e.ts(), e.receivedAt(), e.projectId(), e.kind(), e.level(), message, e.source(), null,
                e.fingerprint(), null, null, e.buildId(), e.deploymentId(), null, e.status(), Map.of());
    }

    /** First sights a save failed to write: given again by the next {@link #takeChanges}. */
    void unsaved(List<SeenFingerprint> seen) {
        newlySeen.addAll(seen);
    }

    /**
     * Sends {@code alert} unless its rule already sent {@link #MAX_ALERTS_PER_RULE} within its
     * quiet time: a broad outage that trips a spike rule for two hundred fingerprints is a few
     * messages and one summary of the rest, not two hundred messages.
     */
    private void emit(Alert alert) {
        if (claims.isShared()) {
            emitWithinSharedBudget(alert);
            return;
        }
        AlertRule rule = alert.rule();
        long now = alert.at();
        Flood flood = floods.get(rule.id());
        if (flood == null || flood.until <= now) {
            flood = new Flood(now + Math.max(rule.suppress().toMillis(), rule.window().toMillis()));
            floods.put(rule.id(), flood);
        }
        if (flood.sent < MAX_ALERTS_PER_RULE) {
            flood.sent++;
            alerts.accept(alert);
        } else {
            flood.heldAlerts++;
            flood.heldEvents += alert.count();
            flood.latest = alert.sample() != null ? alert.sample() : flood.latest;
        }
    }

    /**
     * {@link #emit} with several nodes: the budget is counted in the database, per window aligned
     * on the epoch (every node names the same window); a window this node held alerts in has its
     * summary claimed once it ended.
     */
    private void emitWithinSharedBudget(Alert alert) {
        AlertRule rule = alert.rule();
        long length = Math.max(rule.suppress().toMillis(), rule.window().toMillis());
        long windowStart = Math.floorDiv(alert.at(), length) * length;
        if (claims.floodSlot(rule.id(), windowStart, MAX_ALERTS_PER_RULE, alert.count())) {
            alerts.accept(alert);
            return;
        }
        FloodWindow window = new FloodWindow(rule.id(), windowStart);
        PendingFlood before = pendingFloods.get(window);
        LogEvent latest = alert.sample() != null || before == null ? alert.sample() : before.latest();
        pendingFloods.put(window, new PendingFlood(rule.id(), windowStart,
                windowStart + length + claims.summaryDelayMillis(), latest));
    }

    /** Shared flood windows that ended: the node that claims one sends the summary of what every node held back. */
    private void endSharedFloods(long now) {
        for (PendingFlood flood : takeDue(pendingFloods.values(), PendingFlood::due, now)) {
            AlertRule rule = rulesById.get(flood.ruleId());
            long[] held = claims.floodSummary(flood.ruleId(), flood.windowStart());
            if (rule != null && held != null) {
                alerts.accept(new Alert(rule, Alert.Type.SUMMARY, held[0] + " more groups", held[1], flood.latest(), now));
            }
        }
    }

    /** Removes from {@code pending} and returns what is due at {@code now}. */
    private static <T> List<T> takeDue(Collection<T> pending, ToLongFunction<T> due, long now) {
        List<T> taken = new ArrayList<>();
        for (Iterator<T> each = pending.iterator(); each.hasNext(); ) {
            T next = each.next();
            if (due.applyAsLong(next) <= now) {
                each.remove();
                taken.add(next);
            }
        }
        return taken;
    }

    /** Ends flood windows: one summary of what each held back. */
    private void endFloods(long now) {
        endSharedFloods(now);
        Iterator<Map.Entry<Long, Flood>> entries = floods.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<Long, Flood> entry = entries.next();
            Flood flood = entry.getValue();
            if (flood.until > now) {
                continue;
            }
            entries.remove();
            AlertRule rule = rulesById.get(entry.getKey());
            if (rule != null && flood.heldAlerts > 0) {
                alerts.accept(new Alert(rule, Alert.Type.SUMMARY, flood.heldAlerts + " more groups", flood.heldEvents,
                        flood.latest, now));
            }
        }
    }

    /** A rule's alerts sent within its quiet time, and what it held back past {@link #MAX_ALERTS_PER_RULE}. */
    private static final class Flood {
        final long until;
        int sent;
        long heldAlerts;
        long heldEvents;
        LogEvent latest;

        Flood(long until) {
            this.until = until;
        }
    }

    /** Writes {@code ruleId}'s state again at the next {@link #takeChanges} (a save that failed). */
    void markChanged(long ruleId) {
        changed.add(ruleId);
    }

    /** True when {@code projectId} has any rule: ingest offers only its events. */
    public boolean watches(long projectId) {
        return rulesByProject.containsKey(projectId);
    }

    /** A fingerprint seen for the first time, to remember across restarts. */
    public record SeenFingerprint(long projectId, String fingerprint) {
    }

    /** One group's counts, as a restart restores them. */
    public record GroupState(String group, long quietUntil, long suppressed, List<long[]> counted, List<long[]> all,
                             List<Map.Entry<String, Boolean>> builds, LogEvent latest) {
    }

    /**
     * A rule's counts: when it began to be evaluated, how it counted (a rule changed while the
     * server was down starts afresh), and its groups.
     */
    public record RuleState(long activeSince, String signature, List<GroupState> groups) {
    }

    /** What changed since the last call: the state of each rule whose counts moved, and first sights. */
    public record Changes(Map<Long, RuleState> rules, List<Long> removed, List<SeenFingerprint> seen) {
        public boolean isEmpty() {
            return rules.isEmpty() && removed.isEmpty() && seen.isEmpty();
        }
    }

    /** The state of every rule changed since the last call, and the fingerprints first seen since. */
    public Changes takeChanges() {
        Map<Long, RuleState> states = new HashMap<>();
        List<Long> removed = new ArrayList<>();
        for (long ruleId : changed) {
            if (!rulesById.containsKey(ruleId)) {
                removed.add(ruleId);
                continue;
            }
            List<GroupState> ruleGroups = new ArrayList<>();
            groups.forEach((key, group) -> {
                if (key.ruleId() == ruleId) {
                    ruleGroups.add(new GroupState(key.group(), group.quietUntil, group.suppressed, group.counted.seconds(),
                            group.all == null ? List.of() : group.all.seconds(),
                            group.builds == null ? List.of() : List.copyOf(group.builds.entrySet().stream()
                                    .map(e -> Map.entry(e.getKey(), e.getValue())).toList()), group.latest));
                }
            });
            states.put(ruleId, new RuleState(activeSince.getOrDefault(ruleId, clock.millis()),
                    rulesById.get(ruleId).countingSignature(), ruleGroups));
        }
        changed.clear();
        List<SeenFingerprint> seen = List.copyOf(newlySeen);
        newlySeen.clear();
        return new Changes(states, removed, seen);
    }

    /** Puts back what {@link #takeChanges} gave before a restart; call after {@link #setRules}. */
    public void restore(long ruleId, RuleState state) {
        AlertRule rule = rulesById.get(ruleId);
        if (rule == null || !rule.countingSignature().equals(state.signature())) {
            return;
        }
        // Absence needs a whole window of uptime again: the time the server was down is not silence.
        activeSince.put(ruleId, rule.kind() == AlertRule.Kind.ABSENCE ? clock.millis() : state.activeSince());
        for (GroupState saved : state.groups()) {
            if (groups.size() >= MAX_GROUPS) {
                droppedGroups++;
                break;
            }
            Group group = new Group(rule);
            // Several nodes: a shared rule's counts before the restart come back from the shared
            // table (shareCounts); the saved ones may be another node's, which would count twice.
            if (!claims.isShared() || !sharesCounts(rule)) {
                group.counted = WindowCount.of(rule.window().toMillis(), saved.counted());
                if (group.all != null) {
                    group.all = WindowCount.of(rule.window().toMillis(), saved.all());
                }
            }
            if (group.builds != null) {
                saved.builds().forEach(build -> group.builds.put(build.getKey(), build.getValue()));
            }
            group.quietUntil = saved.quietUntil();
            group.suppressed = saved.suppressed();
            group.latest = saved.latest();
            groups.put(new Key(ruleId, saved.group()), group);
        }
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
