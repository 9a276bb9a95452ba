package io.larch.security;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token buckets (Bucket4j, greedy refill over a minute) per client address, per project
 * (requests and events) and per work-log user, on an injected clock.
 *
 * <p>A batch is admitted as a whole or not at all: its project bucket is taken first, then each
 * user's; when one refuses, what was already taken is given back, so a refused batch costs
 * nothing and the client can retry it. A batch larger than a bucket can ever hold is refused at
 * once with a message saying to split it.
 *
 * <p>Memory is bounded: each map holds at most {@code maxKeys} buckets (a project's work-log
 * users a tenth of that). Past that, buckets idle
 * for a whole refill period are dropped (such a bucket is full again, so dropping it changes
 * nothing); if all are busy, new keys share one overflow bucket per map, with the same limit. So
 * a flood of made-up addresses or user ids can neither grow memory nor refill a busy key's
 * bucket.
 *
 * <p>Several nodes ({@link #shared}): the project buckets (requests, events) are Bucket4j's
 * PostgreSQL buckets ({@link SharedBuckets}), so a project's limit holds for all nodes together,
 * at one transaction per request and bucket. The per-address bucket stays in memory (it guards
 * every request, the unauthenticated floods included, which must not become database load), so
 * each node allows an address its own {@code ipRequestsPerMinute}; so do the work-log users'
 * buckets (a batch holds many users, and a transaction each would make ingest several times
 * slower), so over N nodes a user may send up to N times {@code workLogPerUserPerMinute}. When PostgreSQL cannot be reached, or does not answer within
 * {@link #SHARED_TIMEOUT}, the limiter fails open to the local buckets: each node then enforces
 * the limits alone (together up to N times the limit over N nodes) for {@link #SHARED_RETRY_AFTER}
 * before trying PostgreSQL again; each such fallback is counted ({@link #sharedFailures}) and
 * logged as a warning. A limiter that refused ingest because its database is briefly away would
 * turn a metadata hiccup into lost logs, which is worse than a few seconds of looser limits.
 *
 * <p>Threading: thread-safe; local buckets are Bucket4j's lock-free ones, shared ones are proxies
 * whose state is in PostgreSQL.
 */
public final class RateLimiter {
    private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
    public static final String IP_REQUESTS = "ip_requests_per_minute";
    public static final String PROJECT_REQUESTS = "project_requests_per_minute";
    public static final String PROJECT_EVENTS = "project_events_per_minute";
    public static final String WORK_LOG_PER_USER = "work_log_per_user_per_minute";
    private static final Duration PERIOD = Duration.ofMinutes(1);
    /** A full map is swept at most this often, so a flood of new keys cannot make every request scan it. */
    private static final long SWEEP_EVERY_MILLIS = 1_000;
    /** After the shared buckets failed, how long the local ones are used before PostgreSQL is tried again. */
    static final Duration SHARED_RETRY_AFTER = Duration.ofSeconds(5);
    /**
     * A shared check unanswered for this long is decided by the local bucket (and counts as a
     * failure): a PostgreSQL that hangs, or a pool waiting to connect, must not hold ingest.
     */
    static final Duration SHARED_TIMEOUT = Duration.ofSeconds(2);
    /** Runs shared checks, so a caller can stop waiting for one (virtual threads: one per check costs little). */
    private static final ExecutorService SHARED_CHECKS =
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("larch-rate-limit-", 0).factory());

    private final Clock clock;
    private final TimeMeter time;
    private final int maxKeys;
    private final Buckets<String> byAddress;
    private final Buckets<Long> requestsByProject;
    private final Buckets<Long> eventsByProject;
    /**
     * Work-log users, one table per project (projects are few: only authenticated requests get
     * here), each holding a tenth of {@code maxKeys}: one project sending work logs for a flood of
     * user ids fills its own table, never another project's.
     */
    private final ConcurrentHashMap<Long, Buckets<String>> workLogUsersByProject = new ConcurrentHashMap<>();
    /** The PostgreSQL-backed proxies of the project buckets, bounded like the local maps; null on one node. */
    private final SharedBuckets shared;
    private final Buckets<Long> sharedRequestsByProject;
    private final Buckets<Long> sharedEventsByProject;
    /** Epoch millis until which the shared buckets are not tried (they failed just before). */
    private volatile long sharedDownUntil;
    private final AtomicLong sharedFailures = new AtomicLong();

    /** Buckets in this process's memory: one node. */
    public RateLimiter(Clock clock, int maxKeys) {
        this(clock, maxKeys, null);
    }

    /**
     * Project buckets shared through {@code dataSource} (PostgreSQL with migration V12's
     * {@code rate_limit_buckets}); the address bucket stays local. See the class comment.
     */
    public static RateLimiter shared(Clock clock, int maxKeys, DataSource dataSource) {
        return new RateLimiter(clock, maxKeys, dataSource);
    }

    /** Shared through {@code database} when it is PostgreSQL (several nodes), else in memory. */
    public static RateLimiter of(Clock clock, int maxKeys, io.larch.meta.Database database) {
        return database.isPostgres() ? shared(clock, maxKeys, database.relaxedDataSource()) : new RateLimiter(clock, maxKeys);
    }

    private RateLimiter(Clock clock, int maxKeys, DataSource sharedSource) {
        this.clock = clock;
        this.maxKeys = maxKeys;
        this.byAddress = new Buckets<>(maxKeys, this::localBucket);
        this.requestsByProject = new Buckets<>(maxKeys, this::localBucket);
        this.eventsByProject = new Buckets<>(maxKeys, this::localBucket);
        AtomicLong latest = new AtomicLong(Long.MIN_VALUE);
        this.time = new TimeMeter() {
            /** Never earlier than before: Bucket4j takes tokens away when its time steps back (an NTP step). */
            @Override
            public long currentTimeNanos() {
                return latest.accumulateAndGet(clock.millis() * 1_000_000, Math::max);
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
        this.shared = sharedSource == null ? null : new SharedBuckets(sharedSource, time);
        this.sharedRequestsByProject = shared == null ? null : new Buckets<>(maxKeys, sharedKeys("requests"));
        this.sharedEventsByProject = shared == null ? null : new Buckets<>(maxKeys, sharedKeys("events"));
    }

    /** True when the project buckets are shared through PostgreSQL. */
    public boolean isShared() {
        return shared != null;
    }

    /** Times the shared buckets failed and the local ones decided instead (see the class comment). */
    public long sharedFailures() {
        return sharedFailures.get();
    }

    /**
     * One request from {@code clientAddress}, before its credential is looked at. IPv6 clients are
     * counted per /64: one host usually holds a whole /64 and could otherwise pick a fresh address
     * per request.
     */
    public void admitAddress(String clientAddress, RateLimits limits) {
        take(byAddress, null, ClientAddress.rateLimitKey(clientAddress), limits.ipRequestsPerMinute(), 1, IP_REQUESTS,
                () -> "requests from " + clientAddress);
    }

    /** One request of {@code projectId}'s credentials. */
    public void admitProjectRequest(long projectId, RateLimits limits) {
        take(requestsByProject, sharedRequestsByProject, projectId, limits.projectRequestsPerMinute(), 1, PROJECT_REQUESTS,
                () -> "requests of this project");
    }

    /**
     * A batch of {@code events} events for {@code projectId}, of which {@code workLogsByUser} are
     * work logs per userId; all admitted or none. Returns what gives the tokens back, for when the
     * batch is not stored after all.
     */
    public Runnable admitEvents(long projectId, RateLimits limits, int events, Map<String, Integer> workLogsByUser) {
        List<Runnable> giveBack = new ArrayList<>();
        try {
            giveBack.add(take(eventsByProject, sharedEventsByProject, projectId, limits.projectEventsPerMinute(), events,
                    PROJECT_EVENTS, () -> "events of this project"));
            if (!workLogsByUser.isEmpty()) {
                Buckets<String> users = workLogUsersByProject.computeIfAbsent(projectId,
                        project -> new Buckets<>(Math.max(1, maxKeys / 10), this::localBucket));
                // per node, also with several: one shared bucket per user would cost a transaction
                // per distinct user of a batch (measured: ingest 4.5x slower with the benchmark's users)
                for (Map.Entry<String, Integer> user : workLogsByUser.entrySet()) {
                    giveBack.add(take(users, null, user.getKey(), limits.workLogPerUserPerMinute(), user.getValue(),
                            WORK_LOG_PER_USER, () -> "work-log events of user '" + user.getKey() + "'"));
                }
            }
        } catch (RateLimitedException refused) {
            giveBack.forEach(Runnable::run);
            throw refused;
        }
        return () -> giveBack.forEach(Runnable::run);
    }

    /** Buckets held now, all maps together: what {@code maxKeys} bounds (per map). */
    public int bucketCount() {
        int local = byAddress.size() + requestsByProject.size() + eventsByProject.size()
                + workLogUsersByProject.values().stream().mapToInt(Buckets::size).sum();
        return shared == null ? local : local + sharedRequestsByProject.size() + sharedEventsByProject.size();
    }

    /**
     * Takes {@code tokens} or throws (saying {@code what} was counted); returns how to give them
     * back. The shared bucket decides when there is one and PostgreSQL answers, else the local one.
     */
    private <K> Runnable take(Buckets<K> local, Buckets<K> sharedBuckets, K key, long perMinute, long tokens, String limit,
                              Supplier<String> what) {
        if (perMinute <= 0 || tokens == 0) {
            return () -> { };
        }
        if (tokens > perMinute) {
            throw new RateLimitedException(tokens + " " + what.get() + " in one request is more than the limit of " + perMinute
                    + " a minute (" + limit + "); split the batch", limit, perMinute, PERIOD.toSeconds());
        }
        Bucket bucket = null;
        ConsumptionProbe probe = null;
        if (sharedBuckets != null && clock.millis() >= sharedDownUntil) {
            bucket = sharedBuckets.get(key, perMinute);
            probe = sharedProbe(bucket, tokens);
        }
        if (probe == null) {
            bucket = local.get(key, perMinute);
            probe = bucket.tryConsumeAndReturnRemaining(tokens);
        }
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999) / 1_000_000_000);
            throw new RateLimitedException("rate limit: more than " + perMinute + " " + what.get() + " a minute (" + limit
                    + "); retry in " + seconds + " s", limit, perMinute, seconds);
        }
        Bucket taken = bucket;
        return () -> {
            try {
                taken.addTokens(tokens);
            } catch (RuntimeException e) {
                // A refund lost to a database outage only makes the limit a little stricter for a minute.
                sharedFailed(e);
            }
        };
    }

    /**
     * Takes from a shared bucket within {@link #SHARED_TIMEOUT}; null when PostgreSQL failed or
     * did not answer in time. A take that succeeds after its caller stopped waiting is given back.
     */
    private ConsumptionProbe sharedProbe(Bucket bucket, long tokens) {
        CompletableFuture<ConsumptionProbe> take = CompletableFuture.supplyAsync(
                () -> bucket.tryConsumeAndReturnRemaining(tokens), SHARED_CHECKS);
        try {
            return take.get(SHARED_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            take.thenAccept(late -> {
                if (late.isConsumed()) {
                    bucket.addTokens(tokens);
                }
            });
            sharedFailed(new IllegalStateException("no answer within " + SHARED_TIMEOUT.toMillis() + " ms"));
        } catch (ExecutionException e) {
            sharedFailed(e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private void sharedFailed(RuntimeException e) {
        sharedFailures.incrementAndGet();
        long now = clock.millis();
        if (now >= sharedDownUntil) {
            LOG.warn("shared rate limits unavailable ({}); this node enforces the limits alone for the next {} s",
                    e.getMessage(), SHARED_RETRY_AFTER.toSeconds());
        }
        sharedDownUntil = now + SHARED_RETRY_AFTER.toMillis();
    }

    /** Makes a bucket for a key (null: a map's overflow bucket) and limit. */
    @FunctionalInterface
    private interface BucketFactory<K> {
        Bucket make(K key, long perMinute);
    }

    /** Shared buckets named {@code prefix:key:limit} ({@code prefix:overflow:limit} for a map's overflow). */
    private <K> BucketFactory<K> sharedKeys(String prefix) {
        return (key, perMinute) -> shared.bucket(prefix + ":" + (key == null ? "overflow" : "k" + key) + ":" + perMinute,
                perMinute);
    }

    /** A bucket, the limit it was made for, and when it was last used. */
    private static final class Entry {
        final Bucket bucket;
        final long perMinute;
        volatile long lastUsedMillis;

        Entry(Bucket bucket, long perMinute, long now) {
            this.bucket = bucket;
            this.perMinute = perMinute;
            this.lastUsedMillis = now;
        }
    }

    /** One map of buckets with its bound; see the class comment. */
    private final class Buckets<K> {
        private final int capacity;
        private final BucketFactory<K> factory;
        private final ConcurrentHashMap<K, Entry> entries = new ConcurrentHashMap<>();
        /** Shared by new keys while the map is full of busy buckets, one per limit (a few distinct values). */
        private final ConcurrentHashMap<Long, Entry> overflow = new ConcurrentHashMap<>();
        /** Epoch millis of the last sweep; 0 lets the first one run. */
        private final AtomicLong lastSweepMillis = new AtomicLong(0);

        Buckets(int capacity, BucketFactory<K> factory) {
            this.capacity = capacity;
            this.factory = factory;
        }

        Bucket get(K key, long perMinute) {
            long now = clock.millis();
            Entry entry = entries.get(key);
            if (entry == null || entry.perMinute != perMinute) {
                if (entry == null && entries.size() >= capacity && !sweep(now)) {
                    return overflow(perMinute, now).bucket;
                }
                Entry fresh = new Entry(factory.make(key, perMinute), perMinute, now);
                entry = entry == null ? entries.computeIfAbsent(key, k -> fresh) : replace(key, entry, fresh);
            }
            entry.lastUsedMillis = now;
            return entry.bucket;
        }

        private Entry replace(K key, Entry old, Entry fresh) {
            // A changed limit (a project's override) starts a fresh bucket.
            return entries.replace(key, old, fresh) ? fresh : entries.getOrDefault(key, fresh);
        }

        /**
         * Drops buckets idle for a whole period (refilled to full: dropping one changes nothing),
         * at most once a second; true when there is room.
         */
        private boolean sweep(long now) {
            long last = lastSweepMillis.get();
            if (now - last >= SWEEP_EVERY_MILLIS && lastSweepMillis.compareAndSet(last, now)) {
                entries.values().removeIf(e -> now - e.lastUsedMillis >= PERIOD.toMillis());
            }
            return entries.size() < capacity;
        }

        private Entry overflow(long perMinute, long now) {
            if (overflow.size() > 64) {
                overflow.clear(); // more distinct limits than projects set in practice
            }
            return overflow.computeIfAbsent(perMinute, limit -> new Entry(factory.make(null, limit), limit, now));
        }

        int size() {
            return entries.size();
        }
    }

    private Bucket localBucket(Object key, long perMinute) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, PERIOD))
                .withCustomTimePrecision(time)
                .build();
    }
}
