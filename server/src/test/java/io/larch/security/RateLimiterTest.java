package io.larch.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.larch.testing.MutableClock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Token buckets on an injected clock: refill, Retry-After, all-or-nothing batches, overrides, bounded memory. */
class RateLimiterTest {
    private final MutableClock clock = MutableClock.at("2026-12-02T10:00:00Z");
    private final RateLimiter limiter = new RateLimiter(clock, 100);
    private final RateLimits limits = new RateLimits(100, 10, 20, 6);

    private RateLimitedException refused(Runnable call) {
        return assertThrows(RateLimitedException.class, call::run);
    }

    @Test
    void aProjectMayIngestItsLimitAndThenWaitsForTheRefill() {
        limiter.admitEvents(1, limits, 100, Map.of());
        RateLimitedException e = refused(() -> limiter.admitEvents(1, limits, 1, Map.of()));
        assertEquals(RateLimiter.PROJECT_EVENTS, e.limit());
        assertEquals(100, e.perMinute());
        assertEquals(1, e.retryAfterSeconds(), "one event refills in 0.6 s, rounded up");
        assertEquals(12, refused(() -> limiter.admitEvents(1, limits, 20, Map.of())).retryAfterSeconds(), "20 events: 12 s");
        clock.advance(Duration.ofSeconds(12));
        limiter.admitEvents(1, limits, 20, Map.of());
        limiter.admitEvents(2, limits, 100, Map.of());
    }

    @Test
    void aBatchLargerThanTheLimitIsRefusedAtOnceWithAdviceToSplitIt() {
        RateLimitedException e = refused(() -> limiter.admitEvents(1, limits, 101, Map.of()));
        assertTrue(e.getMessage().contains("split the batch"), e.getMessage());
        limiter.admitEvents(1, limits, 100, Map.of());
    }

    @Test
    void aRefusedBatchCostsNothing() {
        limiter.admitEvents(1, limits, 0, Map.of("u1", 5));
        refused(() -> limiter.admitEvents(1, limits, 3, Map.of("u1", 2)));
        limiter.admitEvents(1, limits, 95, Map.of("u2", 6));
        assertEquals(RateLimiter.PROJECT_EVENTS, refused(() -> limiter.admitEvents(1, limits, 6, Map.of())).limit(),
                "5 left: the refused batch gave its 3 back");
        limiter.admitEvents(1, new RateLimits(0, 0, 0, 6), 1, Map.of("u1", 1));
        assertEquals(RateLimiter.WORK_LOG_PER_USER, refused(() -> limiter.admitEvents(1, limits.with(
                new ProjectPolicies.LimitOverrides(0L, null, null)), 1, Map.of("u1", 1))).limit());
    }

    @Test
    void zeroIsNoLimitAndAnOverrideStartsAFreshBucket() {
        RateLimits none = new RateLimits(0, 0, 0, 0);
        for (int i = 0; i < 1000; i++) {
            limiter.admitEvents(1, none, 250, Map.of("u", 250));
            limiter.admitAddress("10.0.0.1", none);
            limiter.admitProjectRequest(1, none);
        }
        limiter.admitEvents(3, limits, 100, Map.of());
        RateLimits raised = limits.with(new ProjectPolicies.LimitOverrides(1000L, null, null));
        limiter.admitEvents(3, raised, 1000, Map.of());
        refused(() -> limiter.admitEvents(3, raised, 1, Map.of()));
    }

    @Test
    void addressesAndProjectsHaveTheirOwnBuckets() {
        for (int i = 0; i < 20; i++) {
            limiter.admitAddress("10.0.0.1", limits);
        }
        assertEquals(RateLimiter.IP_REQUESTS, refused(() -> limiter.admitAddress("10.0.0.1", limits)).limit());
        limiter.admitAddress("10.0.0.2", limits);
        for (int i = 0; i < 10; i++) {
            limiter.admitProjectRequest(1, limits);
        }
        assertEquals(RateLimiter.PROJECT_REQUESTS, refused(() -> limiter.admitProjectRequest(1, limits)).limit());
        limiter.admitProjectRequest(2, limits);
        clock.advance(Duration.ofSeconds(6));
        limiter.admitProjectRequest(1, limits);
    }

    @Test
    void aFloodOfNewAddressesNeitherGrowsMemoryNorRefillsABusyBucket() {
        for (int i = 0; i < 20; i++) {
            limiter.admitAddress("10.9.9.9", limits);
        }
        for (int i = 0; i < 10_000; i++) {
            try {
                limiter.admitAddress("192.0.2." + (i % 250) + "." + i, limits);
            } catch (RateLimitedException sharedOverflowBucketIsEmpty) {
                // New keys past the cap share one bucket; it runs dry too.
            }
        }
        assertTrue(limiter.bucketCount() <= 100, "buckets " + limiter.bucketCount());
        refused(() -> limiter.admitAddress("10.9.9.9", limits));
        clock.advance(Duration.ofMinutes(1));
        for (String fresh : new String[] {"198.51.100.1", "198.51.100.2"}) {
            for (int i = 0; i < 20; i++) {
                limiter.admitAddress(fresh, limits); // each its own bucket again: the idle ones were swept
            }
        }
        assertTrue(limiter.bucketCount() <= 100);
    }

    @Test
    void concurrentCallersTogetherGetExactlyTheLimit() throws InterruptedException {
        RateLimits thousand = new RateLimits(1000, 0, 0, 0);
        AtomicInteger admitted = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            threads.submit(() -> {
                for (int i = 0; i < 500; i++) {
                    try {
                        limiter.admitEvents(9, thousand, 1, Map.of());
                        admitted.incrementAndGet();
                    } catch (RateLimitedException expected) {
                        // over the limit
                    }
                }
            });
        }
        threads.shutdown();
        assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(1000, admitted.get());
    }

    @Test
    void aClockSteppingBackTakesNoTokensAway() {
        limiter.admitEvents(4, limits, 50, Map.of());
        clock.advance(Duration.ofMinutes(-5));
        limiter.admitEvents(4, limits, 50, Map.of());
        refused(() -> limiter.admitEvents(4, limits, 1, Map.of()));
        clock.advance(Duration.ofMinutes(5));
        clock.advance(Duration.ofSeconds(1));
        limiter.admitEvents(4, limits, 1, Map.of());
    }

    @Test
    void oneProjectsFloodOfWorkLogUsersDoesNotCrowdOutAnotherProjectsUsers() {
        RateLimits perUser = new RateLimits(0, 0, 0, 6);
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            try {
                limiter.admitEvents(1, perUser, 1, Map.of("flood-" + i, 1));
            } catch (RateLimitedException e) {
                refused++; // past its 10 keys, project 1's new users share one bucket of 6
            }
        }
        assertEquals(1000 - 10 - 6, refused);
        for (int user = 0; user < 5; user++) {
            for (int i = 0; i < 6; i++) {
                limiter.admitEvents(2, perUser, 1, Map.of("u" + user, 1)); // each of project 2's users has its own 6
            }
        }
        assertTrue(limiter.bucketCount() <= 10 + 5, "project 1 holds at most a tenth of the keys: " + limiter.bucketCount());
    }
}
