package io.larch.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends Logback events to Larch ({@code POST /api/log}) in batches from a background thread.
 *
 * <p>The application thread only samples, encodes the event to JSON and offers it to a bounded
 * queue: it never waits for the network or the disk. A full queue drops the event and counts it
 * ({@link #getQueueDroppedCount()}).
 *
 * <p>The sender thread gathers up to {@code batchSize} events (at most 250, and at most
 * {@link #MAX_BATCH_BYTES}) or what arrived within {@code flushIntervalMs}, and posts them. A
 * batch Larch does not take (no connection, 429, 5xx, 401/403) goes to the backlog: the spool
 * directory when {@code spoolDir} is set (bounded by {@code maxSpoolBytes}, oldest batches
 * dropped first, kept across restarts), else memory (at most {@code queueSize} events). While the
 * backlog holds anything, new batches queue up behind it and the oldest is retried with
 * exponential backoff from 0.5 s to {@code maxBackoffMs}, or after the server's
 * {@code Retry-After}; so events arrive in the order they were logged. A batch refused for good
 * (400, 413) is dropped with an error status: sending it again would be refused again.
 *
 * <p>Sampling defaults come from the project ({@code GET /api/client-config}, read at start and
 * every 5 minutes); the {@code sampling} setting overrides them per level.
 *
 * <p>Threading: setters are called by Logback's configurator before {@link #start()};
 * {@link #append} runs on application threads concurrently (it touches only the queue, the atomic
 * counters and the volatile sampling); everything else (the backlog, the pending batch, the
 * backoff) belongs to the sender thread alone.
 */
public class LarchAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    /** Larch's limit on events per request. */
    public static final int MAX_BATCH_EVENTS = 250;
    /** Larch takes 512 KB per request (before gzip); a margin for the separators. */
    public static final int MAX_BATCH_BYTES = 500 * 1024;
    /** Larch's kinds of log: a batch with another would be refused whole. */
    static final List<String> KINDS = List.of("app", "work", "build", "deploy", "system", "action", "lifecycle");
    static final long CLIENT_CONFIG_TTL_MILLIS = Duration.ofMinutes(5).toMillis();
    static final long FIRST_BACKOFF_MILLIS = 500;
    /** The longest the sender sleeps at once, so a stop is noticed quickly. */
    private static final long LONGEST_WAIT_MILLIS = 100;

    private String url;
    private String key;
    private String source;
    private String kind;
    private int batchSize = MAX_BATCH_EVENTS;
    private long flushIntervalMs = 1000;
    private int queueSize = 10_000;
    private String spoolDir;
    private long maxSpoolBytes = 64L * 1024 * 1024;
    private boolean includeMdc = true;
    private String sampling;
    private long maxBackoffMs = 30_000;
    private long shutdownTimeoutMs = 5_000;
    private long connectTimeoutMs = 5_000;
    private long requestTimeoutMs = 15_000;

    private BlockingQueue<String> queue;
    private EventEncoder encoder;
    private LarchHttp http;
    private Sampling localSampling;
    /** Server defaults overridden by the local setting; replaced by the sender thread, read by application threads. */
    private volatile Sampling effectiveSampling = Sampling.KEEP_ALL;
    /** Cleared by {@link #stop()}: the sender then sends what it holds and exits. */
    private volatile boolean running;
    private Thread sender;

    private final AtomicLong queueDropped = new AtomicLong();
    private final AtomicLong backlogDropped = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong sampledOut = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong waiting = new AtomicLong();

    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        int errors = 0;
        if (url == null || url.isBlank()) {
            addError("url is not set: the Larch server, e.g. <url>https://logs.example.com</url>");
            errors++;
        }
        if (key == null || key.isBlank()) {
            addError("key is not set: a project API key with the ingest scope (it decides the project)");
            errors++;
        }
        if (kind != null && !kind.isBlank() && !KINDS.contains(kind.trim())) {
            addError("kind '" + kind + "' is not one of Larch's kinds " + KINDS);
            errors++;
        }
        try {
            localSampling = Sampling.parse(sampling);
        } catch (IllegalArgumentException e) {
            addError(e.getMessage());
            errors++;
        }
        if (errors > 0) {
            return;
        }
        batchSize = Math.max(1, Math.min(batchSize, MAX_BATCH_EVENTS));
        queue = new ArrayBlockingQueue<>(Math.max(1, queueSize));
        encoder = new EventEncoder(source, kind, includeMdc);
        http = new LarchHttp(url, key.trim(), Duration.ofMillis(connectTimeoutMs), Duration.ofMillis(requestTimeoutMs));
        effectiveSampling = localSampling;
        running = true;
        sender = new Thread(this::sendUntilStopped, "larch-logback-sender" + (getName() == null ? "" : "-" + getName()));
        sender.setDaemon(true);
        sender.start();
        super.start();
    }

    /** Sends what is queued (spooling what Larch does not take) for up to {@code shutdownTimeoutMs}, then stops. */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        running = false;
        try {
            sender.join(shutdownTimeoutMs + requestTimeoutMs + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) {
            addWarn("the sender did not finish within the shutdown timeout; events still queued are lost");
        }
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (Thread.currentThread() == sender) {
            return; // the sender's own logging (e.g. an HTTP library) would feed itself
        }
        String level = EventEncoder.levelOf(event);
        if (!effectiveSampling.keep(level, ThreadLocalRandom.current().nextDouble())) {
            sampledOut.incrementAndGet();
            return;
        }
        offer(encoder.encode(event));
    }

    /** Queues one encoded event, or counts it dropped if the queue is full. Never blocks. */
    final void offer(String line) {
        if (!queue.offer(line)) {
            if (queueDropped.getAndIncrement() == 0) {
                addWarn("the queue of " + queueSize + " events is full (Larch is slower than the application logs):"
                        + " events are dropped and counted");
            }
        }
    }

    /** Queues an event the appender itself writes (the overflow appender's switch notices). */
    final void offerNotice(String level, String message) {
        if (isStarted()) {
            offer(encoder.encodeNotice(System.currentTimeMillis(), level, message, getClass().getName()));
        }
    }

    // The sender thread: everything below runs on it alone.

    private Backlog backlog;
    private final List<String> pending = new ArrayList<>();
    private int pendingBytes;
    private long pendingSinceNanos;
    private long retryAtNanos;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;
    private long configDueNanos;
    /** Events lost because the spool could not be written (a full disk). */
    private long unwritableEvents;
    /** The current outage was reported (a status once per outage, not once per retry). */
    private boolean outageReported;

    private void sendUntilStopped() {
        backlog = openBacklog();
        long stopDeadlineNanos = Long.MAX_VALUE;
        while (true) {
            long now = System.nanoTime();
            boolean stopping = !running;
            if (stopping && stopDeadlineNanos == Long.MAX_VALUE) {
                stopDeadlineNanos = now + TimeUnit.MILLISECONDS.toNanos(shutdownTimeoutMs);
            }
            if (!stopping && now - configDueNanos >= 0) {
                refreshClientConfig();
                configDueNanos = now + TimeUnit.MILLISECONDS.toNanos(CLIENT_CONFIG_TTL_MILLIS);
            }
            gather(stopping, now);
            now = System.nanoTime();
            boolean batchDue = pending.size() >= batchSize || stopping
                    || (!pending.isEmpty() && now - pendingSinceNanos >= TimeUnit.MILLISECONDS.toNanos(flushIntervalMs));
            if (batchDue && !pending.isEmpty()) {
                sealPending();
            }
            boolean lastAttemptFailed = false;
            if (!backlog.isEmpty() && (stopping || now - retryAtNanos >= 0)) {
                lastAttemptFailed = !sendOldest();
            }
            waiting.set(backlog.waitingEvents());
            if (stopping && queue.isEmpty() && pending.isEmpty()
                    && (backlog.isEmpty() || lastAttemptFailed || System.nanoTime() - stopDeadlineNanos >= 0)) {
                break;
            }
        }
        if (!backlog.isEmpty() && backlog instanceof MemoryBacklog) {
            addWarn(backlog.waitingEvents() + " events were not sent before stop and are lost (set spoolDir to keep"
                    + " them on disk until Larch is back)");
        }
    }

    /** Moves queued events into the pending batch, waiting for the first one until something else is due. */
    private void gather(boolean stopping, long now) {
        try {
            if (pending.size() < batchSize) {
                long waitMillis = stopping ? 0 : LONGEST_WAIT_MILLIS;
                if (!pending.isEmpty()) {
                    long flushInMillis = TimeUnit.NANOSECONDS.toMillis(
                            pendingSinceNanos + TimeUnit.MILLISECONDS.toNanos(flushIntervalMs) - now);
                    waitMillis = Math.min(waitMillis, Math.max(0, flushInMillis));
                }
                String line = queue.poll(waitMillis, TimeUnit.MILLISECONDS);
                while (line != null) {
                    addToPending(line);
                    if (pending.size() >= batchSize) {
                        break;
                    }
                    line = queue.poll();
                }
            }
        } catch (InterruptedException e) {
            running = false;
        }
    }

    private void addToPending(String line) {
        int bytes = line.getBytes(StandardCharsets.UTF_8).length + 1;
        if (!pending.isEmpty() && pendingBytes + bytes > MAX_BATCH_BYTES) {
            sealPending();
        }
        if (pending.isEmpty()) {
            pendingSinceNanos = System.nanoTime();
        }
        pending.add(line);
        pendingBytes += bytes;
    }

    /** The pending batch is complete: send it now if nothing waits before it, else put it behind the backlog. */
    private void sealPending() {
        List<String> batch = List.copyOf(pending);
        pending.clear();
        pendingBytes = 0;
        if (backlog.isEmpty()) {
            LarchHttp.SendResult result = http.send(batch);
            if (result instanceof LarchHttp.Retry retry) {
                toBacklog(batch);
                scheduleRetry(retry);
            } else {
                settled(batch.size(), result);
            }
        } else {
            toBacklog(batch);
        }
    }

    /** Sends the backlog's oldest batch; false if Larch did not take it (a retry is scheduled). */
    private boolean sendOldest() {
        List<String> batch;
        try {
            batch = backlog.oldest();
        } catch (IOException e) {
            addError("cannot read the spool in " + spoolDir + "; its oldest batch is dropped", e);
            dropOldest();
            return true;
        }
        LarchHttp.SendResult result = http.send(batch);
        if (result instanceof LarchHttp.Retry retry) {
            scheduleRetry(retry);
            return false;
        }
        dropOldest();
        settled(batch.size(), result);
        if (backlog.isEmpty() && outageReported) {
            addInfo("larch takes events again; the backlog is sent");
            outageReported = false;
        }
        return true;
    }

    private void settled(int events, LarchHttp.SendResult result) {
        if (result instanceof LarchHttp.Accepted) {
            sent.addAndGet(events);
            backoffMillis = FIRST_BACKOFF_MILLIS;
        } else if (result instanceof LarchHttp.Refused refusal) {
            refused.addAndGet(events);
            addError("a batch of " + events + " events was refused and dropped: " + refusal.why());
        }
    }

    private void scheduleRetry(LarchHttp.Retry retry) {
        long delayMillis = retry.retryAfterMillis() >= 0 ? Math.max(retry.retryAfterMillis(), FIRST_BACKOFF_MILLIS)
                : jittered(backoffMillis);
        backoffMillis = Math.min(maxBackoffMs, backoffMillis * 2);
        retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
        if (!outageReported) {
            addWarn(retry.why() + "; keeping events " + (backlog instanceof Spool ? "in " + spoolDir : "in memory")
                    + " and retrying");
            outageReported = true;
        }
    }

    /** ±20%, so many clients that lost the same server do not all come back in the same millisecond. */
    private static long jittered(long millis) {
        return (long) (millis * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    }

    private void toBacklog(List<String> batch) {
        try {
            backlog.add(batch);
        } catch (IOException e) {
            unwritableEvents += batch.size();
            addError("cannot write the spool in " + spoolDir + "; " + batch.size() + " events are dropped", e);
        }
        backlogDropped.set(backlog.droppedEvents() + unwritableEvents);
    }

    private void dropOldest() {
        try {
            backlog.removeOldest();
        } catch (IOException e) {
            addError("cannot delete a sent segment in " + spoolDir + "; it may be sent again", e);
        }
    }

    private Backlog openBacklog() {
        if (spoolDir == null || spoolDir.isBlank()) {
            return new MemoryBacklog(queueSize);
        }
        try {
            Spool spool = Spool.open(Path.of(spoolDir), maxSpoolBytes);
            if (!spool.isEmpty()) {
                addInfo(spool.waitingEvents() + " events from an earlier run are in " + spoolDir + "; sending them first");
            }
            return spool;
        } catch (IOException | RuntimeException e) {
            addError("cannot open the spool directory " + spoolDir + "; keeping unsent events in memory instead", e);
            return new MemoryBacklog(queueSize);
        }
    }

    private void refreshClientConfig() {
        http.fetchConfig().ifPresent(config -> {
            effectiveSampling = Sampling.of(config.sampling()).overriddenBy(localSampling);
            if (config.maxBatch() > 0 && config.maxBatch() < batchSize) {
                batchSize = config.maxBatch();
            }
        });
    }

    // Counters, for the application's own metrics and for tests.

    /** Events dropped because the queue was full. */
    public long getQueueDroppedCount() {
        return queueDropped.get();
    }

    /**
     * Events dropped from the backlog: the oldest, when it outgrew {@code maxSpoolBytes} (or
     * {@code queueSize} in memory), and any the spool could not be written with.
     */
    public long getSpoolDroppedCount() {
        return backlogDropped.get();
    }

    /** Events Larch refused for good (400/413), dropped. */
    public long getRefusedCount() {
        return refused.get();
    }

    /** Events not sent because of sampling. */
    public long getSampledOutCount() {
        return sampledOut.get();
    }

    /** Events Larch acknowledged. */
    public long getSentCount() {
        return sent.get();
    }

    /** Events in the backlog (spool or memory), waiting for Larch. */
    public long getBacklogCount() {
        return waiting.get();
    }

    /** The sampling in force: the server's defaults with the local setting over them. */
    public String getEffectiveSampling() {
        return effectiveSampling.toString();
    }

    // Settings (logback.xml elements of the same names).

    public void setUrl(String url) {
        this.url = url;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public void setSource(String source) {
        this.source = source;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public void setFlushIntervalMs(long flushIntervalMs) {
        this.flushIntervalMs = Math.max(0, flushIntervalMs);
    }

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    public void setSpoolDir(String spoolDir) {
        this.spoolDir = spoolDir;
    }

    public void setMaxSpoolBytes(long maxSpoolBytes) {
        this.maxSpoolBytes = maxSpoolBytes;
    }

    public void setIncludeMdc(boolean includeMdc) {
        this.includeMdc = includeMdc;
    }

    public void setSampling(String sampling) {
        this.sampling = sampling;
    }

    public void setMaxBackoffMs(long maxBackoffMs) {
        this.maxBackoffMs = Math.max(FIRST_BACKOFF_MILLIS, maxBackoffMs);
    }

    public void setShutdownTimeoutMs(long shutdownTimeoutMs) {
        this.shutdownTimeoutMs = Math.max(0, shutdownTimeoutMs);
    }

    public void setConnectTimeoutMs(long connectTimeoutMs) {
        this.connectTimeoutMs = Math.max(1, connectTimeoutMs);
    }

    public void setRequestTimeoutMs(long requestTimeoutMs) {
        this.requestTimeoutMs = Math.max(1, requestTimeoutMs);
    }
}
