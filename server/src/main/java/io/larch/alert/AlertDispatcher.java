package io.larch.alert;

import io.larch.meta.AlertRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends alerts: records each in the history (with one pending delivery per channel), then hands
 * it to each channel's own worker (a virtual thread with a bounded queue), which sends it,
 * retrying as its {@link Notifier} does, and records how that ended. A channel that hangs or
 * fails fills only its own queue (then its deliveries are recorded as dropped); the evaluator
 * never waits for any of it.
 */
final class AlertDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertDispatcher.class);
    /** Alerts waiting for their history record, at most. */
    static final int QUEUE = 10_000;
    /** Deliveries waiting on one channel, at most. */
    static final int CHANNEL_QUEUE = 1_000;
    /** A channel's worker with nothing to send for this long ends (a new alert starts it again). */
    private static final long WORKER_IDLE_MILLIS = TimeUnit.MINUTES.toMillis(10);

    /** One channel's delivery of one alert; {@code done} completes with how it ended. */
    private record Job(long historyId, int channelIndex, Alert alert, CompletableFuture<Notifier.Result> done) {
    }

    private final AlertRepository repository;
    private final Function<AlertChannel, Notifier> notifiers;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final BlockingQueue<Runnable> recordQueue = new ArrayBlockingQueue<>(QUEUE);
    private final Map<AlertChannel, BlockingQueue<Job>> workers = new HashMap<>();
    private final Thread recorder;
    private volatile boolean closed;
    /** Deliveries queued or in progress, for a stop that lets them finish. */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** How long a stop waits for deliveries in progress (a retrying channel may not finish). */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    AlertDispatcher(AlertRepository repository, Function<AlertChannel, Notifier> notifiers, Clock clock,
                    MeterRegistry metrics) {
        this.repository = repository;
        this.notifiers = notifiers;
        this.clock = clock;
        this.metrics = metrics;
        this.recorder = Thread.ofPlatform().daemon().name("larch-alert-dispatch").start(this::record);
    }

    /** Queues {@code alert} for every channel of its rule; never blocks (a full queue drops it, counted). */
    void dispatch(Alert alert) {
        if (!recordQueue.offer(() -> send(alert))) {
            counter("larch_alerts_dropped", "alerts not sent because the dispatch queue was full", "channel", "all")
                    .increment();
            LOG.warn("alert '{}' dropped: the dispatch queue is full", AlertText.title(alert));
        }
    }

    /** Records and sends {@code alert} now; the result completes when every channel has answered. */
    CompletableFuture<List<Notifier.Result>> dispatchAndWatch(Alert alert) {
        CompletableFuture<List<Notifier.Result>> all = new CompletableFuture<>();
        if (!recordQueue.offer(() -> {
            List<CompletableFuture<Notifier.Result>> each = send(alert);
            CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenRun(() -> all.complete(each.stream().map(CompletableFuture::join).toList()));
        })) {
            all.completeExceptionally(new IllegalStateException("the alert dispatch queue is full; retry in a moment"));
        }
        return all;
    }

    private void record() {
        while (!closed || !recordQueue.isEmpty()) {
            try {
                Runnable next = recordQueue.poll(200, TimeUnit.MILLISECONDS);
                if (next != null) {
                    next.run();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warn("could not record or send an alert: {}", e.getMessage());
            }
        }
    }

    private List<CompletableFuture<Notifier.Result>> send(Alert alert) {
        AlertRule rule = alert.rule();
        List<AlertRepository.Channel> channels = rule.channels().stream()
                .map(c -> new AlertRepository.Channel(c.type().wireName(), c.describeTarget())).toList();
        long historyId = repository.recordAlert(rule.projectId(), rule.id() > 0 ? rule.id() : null, rule.name(),
                alert.type().wireName(), alert.group(), alert.count(), alert.at(), AlertText.title(alert),
                alert.sample() == null ? null : alert.sample().id(), channels);
        String severity = severity(alert);
        if (alert.type() == Alert.Type.SUMMARY) {
            counter("larch_alerts_suppressed", "occurrences suppressed in quiet times (counted when their summary is sent)",
                    "rule", Long.toString(rule.id())).increment(alert.count());
        }
        if (alert.type() != Alert.Type.TEST && rule.channels().isEmpty()) {
            triggered(severity, "none").increment();
        }
        List<CompletableFuture<Notifier.Result>> results = new ArrayList<>();
        for (int i = 0; i < rule.channels().size(); i++) {
            AlertChannel channel = rule.channels().get(i);
            if (alert.type() != Alert.Type.TEST) {
                triggered(severity, channel.type().wireName()).increment();
            }
            CompletableFuture<Notifier.Result> done = new CompletableFuture<>();
            results.add(done);
            Job job = new Job(historyId, i, alert, done);
            if (!enqueue(channel, job)) {
                Notifier.Result dropped = new Notifier.Result(false, 0, 0, "not sent: " + CHANNEL_QUEUE
                        + " alerts were already waiting for this channel");
                finish(channel, job, dropped, "dropped");
            }
        }
        return results;
    }

    /** Under the lock an idle worker takes to end, so a job never lands in the queue of one that ended. */
    private synchronized boolean enqueue(AlertChannel channel, Job job) {
        boolean queued = worker(channel).offer(job);
        if (queued) {
            inFlight.incrementAndGet();
        }
        return queued;
    }

    private BlockingQueue<Job> worker(AlertChannel channel) {
        BlockingQueue<Job> queue = workers.get(channel);
        if (queue == null) {
            BlockingQueue<Job> created = new ArrayBlockingQueue<>(CHANNEL_QUEUE);
            workers.put(channel, created);
            Notifier notifier = notifier(channel);
            Thread.ofVirtual().name("larch-alert-" + channel.type().wireName()).start(() -> deliver(channel, notifier, created));
            queue = created;
        }
        return queue;
    }

    /** The channel's notifier; one that cannot be made fails each delivery with why, instead of stopping the others. */
    private Notifier notifier(AlertChannel channel) {
        try {
            return notifiers.apply(channel);
        } catch (RuntimeException e) {
            String why = "this channel cannot send: " + e.getMessage();
            return new Notifier() {
                @Override
                public String type() {
                    return channel.type().wireName();
                }

                @Override
                public Result send(Alert alert) {
                    return new Result(false, 0, 0, why);
                }
            };
        }
    }

    private void deliver(AlertChannel channel, Notifier notifier, BlockingQueue<Job> queue) {
        while (true) {
            Job job;
            try {
                job = queue.poll(closed ? 0 : WORKER_IDLE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (job == null) {
                synchronized (this) {
                    if (queue.isEmpty()) {
                        workers.remove(channel);
                        return;
                    }
                }
                continue;
            }
            Notifier.Result result;
            try {
                result = notifier.send(job.alert());
            } catch (InterruptedException e) {
                finish(channel, job, new Notifier.Result(false, 0, 0, "stopped: the server was stopping"), "failed");
                inFlight.decrementAndGet();
                return;
            } catch (RuntimeException e) {
                result = new Notifier.Result(false, 1, 0, e.getMessage());
            }
            finish(channel, job, result, result.delivered() ? "delivered" : "failed");
            inFlight.decrementAndGet();
        }
    }

    private void finish(AlertChannel channel, Job job, Notifier.Result result, String status) {
        if (!result.delivered()) {
            counter("larch_alert_delivery_failures", "alert deliveries that failed after their retries, or were dropped",
                    "channel", channel.type().wireName()).increment();
            LOG.warn("alert '{}' not delivered to {} {}: {}", AlertText.title(job.alert()), channel.type().wireName(),
                    channel.describeTarget(), result.error());
        }
        try {
            repository.recordDelivery(job.historyId(), job.channelIndex(), status, result.attempts(), result.lastStatus(),
                    result.error(), clock.millis());
        } catch (RuntimeException e) {
            LOG.warn("could not record the delivery of alert {}: {}", job.historyId(), e.getMessage());
        }
        job.done().complete(result);
    }

    private Counter triggered(String severity, String channel) {
        return Counter.builder("larch_alerts_triggered").tag("severity", severity).tag("channel", channel)
                .description("alerts sent (fired and summaries), by severity and channel (none: a rule without channels)")
                .register(metrics);
    }

    private Counter counter(String name, String description, String tag, String value) {
        return Counter.builder(name).tag(tag, value).description(description).register(metrics);
    }

    /** The sample's level, or error for an alert about events that did not come (absence). */
    private static String severity(Alert alert) {
        return alert.sample() == null ? "error" : alert.sample().level().name().toLowerCase(Locale.ROOT);
    }

    /**
     * Stops taking alerts: what is queued is recorded, and deliveries get up to {@link #CLOSE_WAIT}
     * to finish; those still pending then are marked failed at the next start.
     */
    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        try {
            recorder.join(CLOSE_WAIT.toMillis());
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (inFlight.get() > 0) {
            LOG.warn("{} alert deliveries were still being sent at stop; the history shows them failed after the next start",
                    inFlight.get());
        }
    }
}
