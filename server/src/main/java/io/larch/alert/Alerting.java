package io.larch.alert;

import io.larch.meta.AlertRepository;
import io.larch.model.LogEvent;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alert evaluation off the ingest path. Ingest {@link #offer}s what it stored to a bounded queue
 * (past {@link Options#queueEvents} the batch is dropped and counted, never waited for); one
 * thread feeds the {@link AlertEvaluator}, ticks it every second, and writes what it counted to
 * the catalog every {@link Options#saveInterval}, so a restart mid-window goes on where it was.
 * Alerts go to the {@link AlertDispatcher}. Rule changes are read from the catalog
 * ({@link #refresh}) on the same thread, in order with the events offered before them; with
 * several nodes the rules are also read again every {@link #RULES_POLL}, so a rule made or
 * changed through another node is evaluated here too.
 */
public final class Alerting implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Alerting.class);

    /**
     * @param queueEvents  events waiting for the evaluator, at most
     * @param saveInterval how often the evaluator's state is written (a crash forgets at most this much counting)
     */
    public record Options(int queueEvents, Duration saveInterval) {
        public static final Options DEFAULTS = new Options(100_000, Duration.ofSeconds(5));
    }

    private final AlertRepository repository;
    private final Clock clock;
    private final Options options;
    private final AlertDispatcher dispatcher;
    private final AlertEvaluator evaluator;
    /** Several nodes share the metadata database (alerts are claimed, see {@link AlertClaims}). */
    private final boolean shared;
    /**
     * With several nodes, a delivery still pending this long after it was recorded is taken for
     * one whose node stopped (a live node's retries, even behind a full channel queue, end sooner).
     */
    static final Duration PENDING_IS_STALE = Duration.ofHours(1);
    /** With several nodes, how often the rules are read again: another node's API or rules file may have changed them. */
    static final Duration RULES_POLL = Duration.ofSeconds(10);
    /** The rules last read, as (id, updated at) per project (evaluator thread only). */
    private Map<Long, List<List<Long>>> rulesSeen = Map.of();
    /** Batches of events (List) and commands (Runnable), in the order they came. */
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedEvents = new AtomicLong();
    private final AtomicLong droppedEvents = new AtomicLong();
    /** Projects with any rule: ingest offers only their events (read on ingest threads). */
    private final Set<Long> watched = ConcurrentHashMap.newKeySet();
    /** Projects whose known fingerprints were handed to the evaluator (evaluator thread only). */
    private final Set<Long> fingerprintsLoaded = new HashSet<>();
    private Thread thread;
    private volatile boolean stopping;
    /** The evaluator's count of groups it could not hold, for metrics (read on the scraping thread). */
    private volatile long droppedGroups;

    /** One node: every alert is decided here. */
    public Alerting(AlertRepository repository, Function<AlertChannel, Notifier> notifiers, Clock clock,
                    MeterRegistry metrics, Options options) {
        this(repository, notifiers, clock, metrics, options, AlertClaims.LOCAL);
    }

    /**
     * Several nodes: each alert is claimed through {@code claims} ({@link AlertClaims#shared})
     * before it is sent, so one firing is one message whichever nodes saw it.
     */
    public Alerting(AlertRepository repository, Function<AlertChannel, Notifier> notifiers, Clock clock,
                    MeterRegistry metrics, Options options, AlertClaims claims) {
        this.repository = repository;
        this.clock = clock;
        this.options = options;
        this.dispatcher = new AlertDispatcher(repository, notifiers, clock, metrics);
        this.evaluator = new AlertEvaluator(clock, dispatcher::dispatch, claims);
        this.shared = claims.isShared();
        if (claims instanceof SharedAlertClaims shared) {
            FunctionCounter.builder("larch_alert_claim_failures", shared, SharedAlertClaims::failures)
                    .description("alert claims the metadata database could not decide (this node sent on its own)")
                    .register(metrics);
        }
        FunctionCounter.builder("larch_alert_queue_dropped_events", droppedEvents, AtomicLong::get)
                .description("stored events the alert evaluator never saw because its queue was full (ingest went on)")
                .register(metrics);
        Gauge.builder("larch_alert_queue_events", queuedEvents, AtomicLong::get)
                .description("stored events waiting for the alert evaluator").register(metrics);
        FunctionCounter.builder("larch_alert_groups_dropped", this, a -> a.droppedGroups)
                .description("rule groups not counted because the evaluator held its maximum").register(metrics);
    }

    /**
     * Loads every rule and its saved counts (ingest may offer from now on; nothing is evaluated
     * before {@link #start}), and marks deliveries a previous run left pending as failed.
     */
    public void load() {
        // Several nodes: only deliveries too old to be another live node's are this node's to give up on.
        int unsent = shared ? repository.failPendingBefore("not sent: the server stopped before delivering it",
                clock.millis() - PENDING_IS_STALE.toMillis(), clock.millis())
                : repository.failPending("not sent: the server stopped before delivering it", clock.millis());
        if (unsent > 0) {
            LOG.warn("{} alert deliveries were still pending when the server last stopped; they are marked failed"
                    + " (GET /admin/alerts/history)", unsent);
        }
        List<AlertRepository.RuleRecord> records = repository.rules();
        rulesSeen = versions(records);
        Map<Long, List<AlertRule>> byProject = new HashMap<>();
        for (AlertRepository.RuleRecord record : records) {
            rule(record).ifPresent(rule -> byProject.computeIfAbsent(rule.projectId(), p -> new ArrayList<>()).add(rule));
        }
        byProject.forEach(this::setRules);
        repository.states().forEach((ruleId, text) -> {
            try {
                evaluator.restore(ruleId, AlertStateJson.read(text));
            } catch (IOException | RuntimeException e) {
                LOG.warn("the saved counts of alert rule {} cannot be read ({}); it starts counting afresh", ruleId,
                        e.getMessage());
            }
        });
        evaluator.takeChanges();
    }

    /** Starts evaluating: once the links in alerts can be made (HTTP listens). */
    public void start() {
        thread = Thread.ofPlatform().daemon().name("larch-alerts").start(this::run);
    }

    /** Offers what ingest stored; never blocks: a full queue drops the batch and counts it. */
    public void offer(List<LogEvent> stored) {
        if (watched.isEmpty() || stopping) {
            return;
        }
        List<LogEvent> wanted = stored;
        for (int i = 0; i < stored.size(); i++) {
            if (!watched.contains(stored.get(i).projectId())) {
                wanted = stored.stream().filter(e -> watched.contains(e.projectId())).toList();
                break;
            }
        }
        if (wanted.isEmpty()) {
            return;
        }
        if (queuedEvents.addAndGet(wanted.size()) > options.queueEvents()) {
            queuedEvents.addAndGet(-wanted.size());
            droppedEvents.addAndGet(wanted.size());
            return;
        }
        queue.add(wanted);
    }

    /** Reads {@code projectId}'s rules from the catalog again (after a change), in order with the events before. */
    public void refresh(long projectId) {
        queue.add((Runnable) () -> {
            List<AlertRule> rules = new ArrayList<>();
            for (AlertRepository.RuleRecord record : repository.rules()) {
                if (record.projectId() == projectId) {
                    rule(record).ifPresent(rules::add);
                }
            }
            setRules(projectId, rules);
        });
    }

    /** Reads the rules again now, as the poll of several nodes does (tests). */
    void pollRulesNow() {
        queue.add((Runnable) this::pollRules);
    }

    /** Sends a test alert on every channel of {@code rule}; completes with each channel's result. */
    public CompletableFuture<List<Notifier.Result>> test(AlertRule rule) {
        return dispatcher.dispatchAndWatch(new Alert(rule, Alert.Type.TEST, "test", 0, null, clock.millis()));
    }

    /**
     * Waits until everything offered before it has been evaluated, a tick has run and the state
     * is saved (tests and stop use it).
     */
    public void sync() throws InterruptedException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add((Runnable) () -> {
            evaluator.tick();
            save();
            done.complete(null);
        });
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the alert evaluator did not catch up within 30 s", e);
        }
    }

    public long droppedEvents() {
        return droppedEvents.get();
    }

    private void setRules(long projectId, List<AlertRule> rules) {
        if (rules.stream().anyMatch(r -> r.kind() == AlertRule.Kind.NEW_FINGERPRINT) && fingerprintsLoaded.add(projectId)) {
            evaluator.alreadySeen(projectId, repository.knownFingerprints(projectId));
        }
        evaluator.setRules(projectId, rules);
        if (rules.isEmpty()) {
            watched.remove(projectId);
        } else {
            watched.add(projectId);
        }
    }

    /**
     * Several nodes: reads every rule and hands the evaluator those of each project whose rules
     * changed since the last read (made, changed or deleted on another node).
     */
    private void pollRules() {
        List<AlertRepository.RuleRecord> records = repository.rules();
        Map<Long, List<List<Long>>> now = versions(records);
        Set<Long> projects = new HashSet<>(now.keySet());
        projects.addAll(rulesSeen.keySet());
        for (long projectId : projects) {
            if (!now.getOrDefault(projectId, List.of()).equals(rulesSeen.getOrDefault(projectId, List.of()))) {
                List<AlertRule> rules = new ArrayList<>();
                records.stream().filter(r -> r.projectId() == projectId).forEach(r -> rule(r).ifPresent(rules::add));
                setRules(projectId, rules);
            }
        }
        rulesSeen = now;
    }

    private static Map<Long, List<List<Long>>> versions(List<AlertRepository.RuleRecord> records) {
        Map<Long, List<List<Long>>> versions = new HashMap<>();
        for (AlertRepository.RuleRecord record : records) {
            versions.computeIfAbsent(record.projectId(), p -> new ArrayList<>()).add(List.of(record.id(), record.updatedAt()));
        }
        return versions;
    }

    private Optional<AlertRule> rule(AlertRepository.RuleRecord record) {
        try {
            return Optional.of(AlertRules.read(record));
        } catch (RuntimeException e) {
            LOG.warn("alert rule {} ('{}') cannot be read and is not evaluated: {}", record.id(), record.name(), e.getMessage());
            return Optional.empty();
        }
    }

    private void run() {
        long nextTick = System.nanoTime();
        long nextSave = System.nanoTime() + options.saveInterval().toNanos();
        long nextRulesPoll = System.nanoTime() + RULES_POLL.toNanos();
        while (!stopping || !queue.isEmpty()) {
            try {
                Object next = queue.poll(100, TimeUnit.MILLISECONDS);
                if (next instanceof List<?> batch) {
                    queuedEvents.addAndGet(-batch.size());
                    for (Object event : batch) {
                        evaluator.offer((LogEvent) event);
                    }
                } else if (next instanceof Runnable command) {
                    command.run();
                }
                long now = System.nanoTime();
                if (now >= nextTick) {
                    evaluator.tick();
                    droppedGroups = evaluator.droppedGroups();
                    nextTick = now + TimeUnit.SECONDS.toNanos(1);
                }
                if (now >= nextSave) {
                    save();
                    nextSave = now + options.saveInterval().toNanos();
                }
                if (shared && now >= nextRulesPoll) {
                    nextRulesPoll = now + RULES_POLL.toNanos();
                    pollRules();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                LOG.warn("alert evaluation failed and goes on: {}", e.toString());
            }
        }
        save();
    }

    private void save() {
        AlertEvaluator.Changes changes = evaluator.takeChanges();
        if (changes.isEmpty()) {
            return;
        }
        Map<Long, String> states = new HashMap<>();
        changes.rules().forEach((ruleId, state) -> states.put(ruleId, AlertStateJson.write(state)));
        Map<Long, List<String>> seen = new HashMap<>();
        changes.seen().forEach(s -> seen.computeIfAbsent(s.projectId(), p -> new ArrayList<>()).add(s.fingerprint()));
        try {
            repository.saveChanges(states, changes.removed(), seen, clock.millis());
        } catch (RuntimeException e) {
            // The counts go on in memory; the next save writes them (a crash before it forgets them).
            LOG.warn("could not save the alert evaluator's state: {}", e.getMessage());
            changes.rules().keySet().forEach(evaluator::markChanged);
            changes.removed().forEach(evaluator::markChanged);
            evaluator.unsaved(changes.seen());
        }
    }

    /** Evaluates what was offered, saves the state, then stops; deliveries queued are recorded. */
    @Override
    public void close() {
        stopping = true;
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dispatcher.close();
    }
}
