package io.larch.tail;

import io.larch.model.LogEvent;
import io.larch.query.EventMatcher;
import io.larch.query.Field;
import io.larch.query.Query;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans stored events out to live streams. Stored batches arrive in id order ({@link #released},
 * called by ingest's ordering with its lock held, so it only enqueues); one dispatcher thread
 * matches each event against the streams of its project (streams limited to one user are
 * indexed by user, so a thousand end users' feeds cost a lookup, not a thousand matches) and
 * offers it to their bounded queues. Ingest never waits on a stream: a slow stream drops and
 * gets strikes ({@link Subscription}); if the dispatcher itself falls behind by more than
 * {@link Limits#maxBacklogEvents} events, batches are counted lost and every stream of the project
 * is told how many. Thread-safe.
 */
public final class TailHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TailHub.class);
    /** Drop reasons, for metrics. */
    public static final String DROP_SLOW = "slow_client";
    public static final String DROP_BEHIND = "hub_behind";

    /** The ordering of stored events: see {@code StoredOrder#atReleasePoint}. */
    @FunctionalInterface
    public interface ReleasePoint {
        long at(LongConsumer whileHeld);
    }

    /**
     * @param maxConnections   streams open at once; beyond it {@link TooManyStreamsException}
     * @param maxPerUser       streams of one end user's work logs; a newer one ends the oldest
     * @param queueEvents      events queued per stream before it drops
     * @param maxBacklogEvents events stored but not yet dispatched before batches are counted lost
     * @param strikeWindow     drops within this long count as one strike
     */
    public record Limits(int maxConnections, int maxPerUser, int queueEvents, long maxBacklogEvents,
                         Duration strikeWindow) {
        public static final int DEFAULT_QUEUE_EVENTS = 2048;
        public static final long DEFAULT_MAX_BACKLOG_EVENTS = 1_000_000;
        public static final Duration DEFAULT_STRIKE_WINDOW = Duration.ofSeconds(1);
    }

    /** The other live nodes, each read as a store of its own events, for a resuming stream. */
    @FunctionalInterface
    public interface Peers {
        /** A reader of each live peer's events matching {@code filter}; empty when no other node is alive. */
        List<StreamSession.StoredAfter> readers(StreamFilter filter);
    }

    private sealed interface Work {
    }

    private record Batch(List<LogEvent> events) implements Work {
    }

    private record Subscribe(Subscription subscription) implements Work {
    }

    private record Unsubscribe(Subscription subscription) implements Work {
    }

    private record UserKey(long projectId, String userId) {
    }

    /** The streams of one project, as the dispatcher sees them. */
    private static final class ProjectStreams {
        final Map<String, List<Subscription>> byUser = new HashMap<>();
        final List<Subscription> others = new ArrayList<>();

        boolean isEmpty() {
            return byUser.isEmpty() && others.isEmpty();
        }
    }

    private final ReleasePoint releasePoint;
    private final Limits limits;
    private final LinkedBlockingQueue<Work> work = new LinkedBlockingQueue<>();
    private final AtomicLong backlogEvents = new AtomicLong();
    private final Map<Long, LongAdder> lostByProject = new ConcurrentHashMap<>();
    private final Set<Subscription> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger openCount = new AtomicInteger();
    private final Map<StreamKind, AtomicInteger> openByKind = new ConcurrentHashMap<>();
    /** Work-log streams per end user, oldest first. Guarded by itself. */
    private final Map<UserKey, ArrayDeque<Subscription>> byUser = new HashMap<>();
    private final Map<String, LongAdder> drops = new ConcurrentHashMap<>();
    private final Map<EndReason, LongAdder> ends = new ConcurrentHashMap<>();
    private final LongAdder served = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final Thread dispatcher;
    private volatile boolean closing;
    /** With several nodes: the merge stored events go through; null on a single node. */
    private volatile WatermarkMerge merge;
    /** With several nodes: the other nodes' stores, for resuming streams; null on a single node. */
    private volatile Peers peers;

    /** Dispatcher thread only. */
    private final Map<Long, ProjectStreams> streams = new HashMap<>();
    /** Dispatcher thread only. */
    private long batchNumber;

    public TailHub(ReleasePoint releasePoint, Limits limits) {
        this.releasePoint = releasePoint;
        this.limits = limits;
        for (StreamKind kind : StreamKind.values()) {
            openByKind.put(kind, new AtomicInteger());
        }
        this.dispatcher = Thread.ofPlatform().name("tail-dispatcher").daemon(true).start(this::dispatch);
    }

    /**
     * With several nodes: from now on stored events go through a {@link WatermarkMerge} with the
     * other nodes' events, and streams go live at its watermark. Call with ingest's ordering lock
     * held ({@code localPoint} its release point), before any stream opens.
     */
    public WatermarkMerge mergeNodes(long localPoint) {
        WatermarkMerge created = new WatermarkMerge(localPoint, this::enqueue, () -> !open.isEmpty());
        merge = created;
        return created;
    }

    /** With several nodes: how a resuming stream reads the other nodes' events; see {@link Peers}. */
    public void usePeers(Peers peers) {
        this.peers = peers;
    }

    /**
     * How a stream that resumes catches up: from {@code local} (this node's store), and with
     * several nodes from every live peer too, merged by id.
     */
    public StreamSession.StoredAfter catchUp(StreamSession.StoredAfter local, StreamFilter filter) {
        Peers current = peers;
        return current == null ? local : MergedHistory.of(local, current.readers(filter));
    }

    /** Every own event below it is stored (what the other nodes may fetch from this one). */
    public long ownReleasePoint() {
        WatermarkMerge current = merge;
        return current != null ? current.localPoint() : releasePoint.at(point -> { });
    }

    /** Stored events, in id order; called with ingest's ordering lock held, so it only enqueues. */
    public void released(List<LogEvent> events) {
        WatermarkMerge current = merge;
        if (current != null) {
            current.local(events);
            return;
        }
        enqueue(events);
    }

    /** Events in id order for the dispatcher; with several nodes, called by the merge. */
    private void enqueue(List<LogEvent> events) {
        if (open.isEmpty()) {
            return;
        }
        if (backlogEvents.addAndGet(events.size()) > limits.maxBacklogEvents()) {
            backlogEvents.addAndGet(-events.size());
            for (LogEvent event : events) {
                lostByProject.computeIfAbsent(event.projectId(), p -> new LongAdder()).increment();
            }
            countDropped(DROP_BEHIND, events.size());
            return;
        }
        work.add(new Batch(events));
    }

    /**
     * Opens a stream of {@code projectId}'s events matching {@code query}; not live until
     * {@link #goLive}. Work-log streams name their {@code userId}: a user past
     * {@link Limits#maxPerUser} streams has its oldest one ended.
     *
     * @throws TooManyStreamsException when {@link Limits#maxConnections} streams are open
     */
    public Subscription open(StreamKind kind, long projectId, Query query) {
        if (closing) {
            throw new TooManyStreamsException("the server is stopping; reconnect to another node or in a moment");
        }
        if (openCount.incrementAndGet() > limits.maxConnections()) {
            openCount.decrementAndGet();
            refused.increment();
            throw new TooManyStreamsException(limits.maxConnections() + " live streams are open on this server, its limit"
                    + " (LARCH_MAX_SSE_CONNECTIONS); retry later, or poll GET /api/log?after=<id> instead");
        }
        String userId = requiredUser(query);
        Subscription subscription = new Subscription(this, kind, projectId, userId, EventMatcher.compile(query),
                limits.queueEvents(), limits.strikeWindow().toNanos());
        open.add(subscription);
        openByKind.get(kind).incrementAndGet();
        if (closing) {
            // close() may have gone over the open streams before this one was added.
            subscription.end(EndReason.SERVER_STOPPING, "the server is stopping; reconnect with Last-Event-ID");
        }
        if (kind == StreamKind.WORK_LOG && userId != null) {
            Subscription oldest = null;
            synchronized (byUser) {
                ArrayDeque<Subscription> ofUser = byUser.computeIfAbsent(new UserKey(projectId, userId), k -> new ArrayDeque<>());
                ofUser.addLast(subscription);
                if (ofUser.size() > limits.maxPerUser()) {
                    oldest = ofUser.pollFirst();
                }
            }
            if (oldest != null) {
                oldest.end(EndReason.REPLACED, "user '" + userId + "' opened more than " + limits.maxPerUser()
                        + " work-log streams (LARCH_MAX_STREAMS_PER_USER); this, the oldest, is closed");
            }
        }
        return subscription;
    }

    /**
     * Makes {@code subscription} live. Returns the release point: every event with a smaller id
     * is in the store already (read it from there to catch up), every event from it on will
     * reach the subscription.
     */
    public long goLive(Subscription subscription) {
        WatermarkMerge current = merge;
        return current != null ? current.at(point -> work.add(new Subscribe(subscription)))
                : releasePoint.at(point -> work.add(new Subscribe(subscription)));
    }

    /** The release point now, without subscribing: see {@link #goLive}. */
    public long releasePoint() {
        WatermarkMerge current = merge;
        return current != null ? current.watermark() : releasePoint.at(point -> { });
    }

    /** A key was revoked or a token may have ended: every stream checks its credential again. */
    public void credentialsChanged() {
        open.forEach(Subscription::recheck);
    }

    /** Counts {@code count} events handed to clients. */
    public void served(int count) {
        served.add(count);
    }

    /** Counts a stream ended by the server (once per stream, by {@link Subscription#end}). */
    void ended(EndReason reason) {
        ends.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public int openStreams(StreamKind kind) {
        return openByKind.get(kind).get();
    }

    public long servedEvents() {
        return served.sum();
    }

    public long droppedEvents(String reason) {
        LongAdder count = drops.get(reason);
        return count == null ? 0 : count.sum();
    }

    public long endedStreams(EndReason reason) {
        LongAdder count = ends.get(reason);
        return count == null ? 0 : count.sum();
    }

    /** Streams refused because the server was at its limit. */
    public long refusedStreams() {
        return refused.sum();
    }

    void countDropped(String reason, long count) {
        drops.computeIfAbsent(reason, r -> new LongAdder()).add(count);
    }

    /** Called once by {@link Subscription#close}. */
    void closed(Subscription subscription) {
        if (!open.remove(subscription)) {
            return;
        }
        openCount.decrementAndGet();
        openByKind.get(subscription.kind()).decrementAndGet();
        if (subscription.kind() == StreamKind.WORK_LOG && subscription.userId() != null) {
            synchronized (byUser) {
                UserKey key = new UserKey(subscription.projectId(), subscription.userId());
                ArrayDeque<Subscription> ofUser = byUser.get(key);
                if (ofUser != null && ofUser.remove(subscription) && ofUser.isEmpty()) {
                    byUser.remove(key);
                }
            }
        }
        work.add(new Unsubscribe(subscription));
    }

    /** Ends every stream (they tell their clients) and stops the dispatcher. */
    @Override
    public void close() {
        closing = true;
        open.forEach(s -> s.end(EndReason.SERVER_STOPPING, "the server is stopping; reconnect with Last-Event-ID"));
        dispatcher.interrupt();
    }

    /** The user a query is limited to (a top-level {@code user:} clause), which streams are indexed by. */
    static String requiredUser(Query query) {
        List<Query> clauses = query instanceof Query.And and ? and.clauses() : List.of(query);
        for (Query clause : clauses) {
            if (clause instanceof Query.FieldEquals equals && equals.field() == Field.USER) {
                return equals.value();
            }
        }
        return null;
    }

    private void dispatch() {
        while (true) {
            Work next;
            try {
                next = work.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                switch (next) {
                    case Batch batch -> {
                        backlogEvents.addAndGet(-batch.events().size());
                        deliver(batch.events());
                    }
                    case Subscribe subscribe -> add(subscribe.subscription());
                    case Unsubscribe unsubscribe -> remove(unsubscribe.subscription());
                }
                if (!lostByProject.isEmpty()) {
                    tellLost();
                }
            } catch (RuntimeException e) {
                // One bad event or stream must not stop every live stream of the server.
                LOG.error("the live tail failed to dispatch; streams go on", e);
            }
        }
    }

    private void deliver(List<LogEvent> events) {
        long number = ++batchNumber;
        List<Subscription> touched = new ArrayList<>();
        try {
            for (LogEvent event : events) {
                ProjectStreams project = streams.get(event.projectId());
                if (project == null) {
                    continue;
                }
                if (event.userId() != null) {
                    List<Subscription> ofUser = project.byUser.get(event.userId());
                    if (ofUser != null) {
                        offer(ofUser, event, number, touched);
                    }
                }
                offer(project.others, event, number, touched);
            }
        } finally {
            // Readers are woken for what they got, whatever happened to the rest of the batch.
            for (Subscription subscription : touched) {
                subscription.endOfBatch();
            }
        }
    }

    private static void offer(List<Subscription> candidates, LogEvent event, long batch, List<Subscription> touched) {
        for (Subscription subscription : candidates) {
            try {
                if (subscription.matches(event)) {
                    if (subscription.offeredInBatch != batch) {
                        subscription.offeredInBatch = batch;
                        touched.add(subscription);
                    }
                    subscription.offer(event);
                }
            } catch (RuntimeException e) {
                // One stream's failure must not cost the others the event; this one is told of a gap.
                LOG.error("matching an event for a live stream failed; the stream is told it lost it", e);
                subscription.lost(1);
            }
        }
    }

    private void add(Subscription subscription) {
        if (!open.contains(subscription)) {
            return;
        }
        ProjectStreams project = streams.computeIfAbsent(subscription.projectId(), p -> new ProjectStreams());
        if (subscription.userId() != null) {
            project.byUser.computeIfAbsent(subscription.userId(), u -> new ArrayList<>()).add(subscription);
        } else {
            project.others.add(subscription);
        }
    }

    private void remove(Subscription subscription) {
        ProjectStreams project = streams.get(subscription.projectId());
        if (project == null) {
            return;
        }
        if (subscription.userId() != null) {
            List<Subscription> ofUser = project.byUser.get(subscription.userId());
            if (ofUser != null && ofUser.remove(subscription) && ofUser.isEmpty()) {
                project.byUser.remove(subscription.userId());
            }
        } else {
            project.others.remove(subscription);
        }
        if (project.isEmpty()) {
            streams.remove(subscription.projectId());
        }
    }

    private void tellLost() {
        for (Long projectId : List.copyOf(lostByProject.keySet())) {
            LongAdder count = lostByProject.remove(projectId);
            ProjectStreams project = streams.get(projectId);
            if (count == null || project == null) {
                continue;
            }
            long lost = count.sum();
            project.others.forEach(s -> s.lost(lost));
            project.byUser.values().forEach(list -> list.forEach(s -> s.lost(lost)));
        }
    }
}
