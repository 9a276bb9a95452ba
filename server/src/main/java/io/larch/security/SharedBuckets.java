package io.larch.security;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate-limit buckets kept in PostgreSQL (Bucket4j's {@code SELECT ... FOR UPDATE} proxy manager,
 * table {@code rate_limit_buckets}), so a limit of N a minute holds for every node together.
 *
 * <p>Cost: taking from a bucket is one transaction of three round trips (the locking select, the
 * update, the commit), made once per request and bucket, never per event. Concurrent takes from
 * one bucket on one node are merged into one transaction (Bucket4j's batching), so a busy
 * project's row lock is taken once per batch of waiting requests, not once per request.
 *
 * <p>A bucket's key names its limit ({@code events:12:6000}): a changed limit starts a fresh
 * bucket, as the local ones do. Rows idle until full again (plus a minute) expire and are
 * deleted, at most once a minute, on a virtual thread.
 *
 * <p>Failure: the proxy throws (a {@link RuntimeException}) when PostgreSQL cannot be reached;
 * {@link RateLimiter} then falls back to its local buckets (see there). Thread-safe.
 */
public final class SharedBuckets {
    private static final Logger LOG = LoggerFactory.getLogger(SharedBuckets.class);
    static final String TABLE = "rate_limit_buckets";
    /** Rows are deleted this long after their bucket would be full again (nothing is lost then). */
    private static final Duration KEEP_AFTER_FULL = Duration.ofMinutes(1);
    private static final long CLEAN_EVERY_MILLIS = Duration.ofMinutes(1).toMillis();
    private static final int CLEAN_BATCH = 1_000;

    private final PostgreSQLSelectForUpdateBasedProxyManager<String> proxies;
    private final TimeMeter time;
    private final AtomicLong lastCleanMillis = new AtomicLong();

    /** Buckets in {@code dataSource}'s {@code rate_limit_buckets} table (migration V12), timed by {@code time}. */
    public SharedBuckets(DataSource dataSource, TimeMeter time) {
        this.time = time;
        this.proxies = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table(TABLE)
                .idColumn("id")
                .stateColumn("state")
                .expiresAtColumn("expires_at")
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_FULL))
                .clientClock(time)
                .build();
    }

    /** The shared bucket {@code key} of {@code perMinute} tokens, refilled greedily over a minute. */
    Bucket bucket(String key, long perMinute) {
        cleanNowAndThen();
        BucketConfiguration configuration = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)))
                .build();
        return proxies.builder().withOptimization(Optimizations.batching()).build(key, () -> configuration);
    }

    private void cleanNowAndThen() {
        long now = time.currentTimeNanos() / 1_000_000;
        long last = lastCleanMillis.get();
        if (now - last < CLEAN_EVERY_MILLIS || !lastCleanMillis.compareAndSet(last, now)) {
            return;
        }
        Thread.ofVirtual().name("larch-rate-limit-clean").start(() -> {
            try {
                int removed = proxies.removeExpired(CLEAN_BATCH);
                if (removed > 0) {
                    LOG.debug("deleted {} idle shared rate-limit buckets", removed);
                }
            } catch (RuntimeException e) {
                LOG.debug("could not delete idle shared rate-limit buckets: {}", e.getMessage());
            }
        });
    }
}
