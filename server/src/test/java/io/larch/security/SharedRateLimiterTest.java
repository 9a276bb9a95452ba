package io.larch.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.larch.meta.Database;
import io.larch.testing.MetadataBackends;
import io.larch.testing.MutableClock;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two rate limiters ("nodes") on one real PostgreSQL enforce one project limit together; the
 * per-address limit stays per node; a database that cannot be reached makes each node enforce
 * the limit alone (fail open to local buckets, counted).
 */
class SharedRateLimiterTest {
    private final MutableClock clock = MutableClock.at("2026-12-04T10:00:00Z");
    private final RateLimits limits = new RateLimits(100, 10, 20, 6);
    private final Database metadata = MetadataBackends.open("postgresql", Path.of("unused"));
    private final RateLimiter nodeA = RateLimiter.shared(clock, 100, metadata.dataSource());
    private final RateLimiter nodeB = RateLimiter.shared(clock, 100, metadata.dataSource());

    @AfterEach
    void close() {
        metadata.close();
    }

    private static RateLimitedException refused(Runnable call) {
        return assertThrows(RateLimitedException.class, call::run);
    }

    @Test
    void aProjectLimitHoldsForBothNodesTogether() {
        nodeA.admitEvents(1, limits, 60, Map.of());
        nodeB.admitEvents(1, limits, 40, Map.of());
        assertEquals(RateLimiter.PROJECT_EVENTS, refused(() -> nodeA.admitEvents(1, limits, 1, Map.of())).limit());
        assertEquals(RateLimiter.PROJECT_EVENTS, refused(() -> nodeB.admitEvents(1, limits, 1, Map.of())).limit());
        nodeB.admitEvents(2, limits, 100, Map.of());
        clock.advance(Duration.ofSeconds(6));
        nodeB.admitEvents(1, limits, 10, Map.of());
        refused(() -> nodeA.admitEvents(1, limits, 1, Map.of()));
        assertEquals(0, nodeA.sharedFailures() + nodeB.sharedFailures());
    }

    @Test
    void requestsAreSharedWorkLogUsersPerNodeAndARefusedBatchGivesBackOnTheOtherNodeToo() {
        for (int i = 0; i < 5; i++) {
            nodeA.admitProjectRequest(1, limits);
            nodeB.admitProjectRequest(1, limits);
        }
        assertEquals(RateLimiter.PROJECT_REQUESTS, refused(() -> nodeA.admitProjectRequest(1, limits)).limit());
        nodeA.admitEvents(1, limits, 4, Map.of("u1", 4));
        nodeB.admitEvents(1, limits, 4, Map.of("u1", 4)); // a user's work-log limit holds per node
        assertEquals(RateLimiter.WORK_LOG_PER_USER, refused(() -> nodeB.admitEvents(1, limits, 3, Map.of("u1", 3))).limit());
        nodeB.admitEvents(1, limits, 2, Map.of("u1", 2, "u2", 6));
        nodeA.admitEvents(1, limits, 86, Map.of());
        assertEquals(RateLimiter.PROJECT_EVENTS, refused(() -> nodeB.admitEvents(1, limits, 5, Map.of())).limit(),
                "4 left: the batch node B was refused gave its 3 events back");
        nodeA.admitEvents(1, limits, 4, Map.of());
    }

    @Test
    void theAddressLimitStaysPerNode() {
        for (int i = 0; i < 20; i++) {
            nodeA.admitAddress("203.0.113.9", limits);
            nodeB.admitAddress("203.0.113.9", limits);
        }
        refused(() -> nodeA.admitAddress("203.0.113.9", limits));
        refused(() -> nodeB.admitAddress("203.0.113.9", limits));
    }

    @Test
    void concurrentRequestsOnBothNodesAdmitExactlyTheLimit() throws Exception {
        RateLimits big = new RateLimits(1_000, 0, 0, 0);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> admitted = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                RateLimiter node = i % 2 == 0 ? nodeA : nodeB;
                admitted.add(threads.submit(() -> {
                    start.await();
                    try {
                        node.admitEvents(7, big, 5, Map.of());
                        return true;
                    } catch (RateLimitedException e) {
                        return false;
                    }
                }));
            }
            start.countDown();
            int events = 0;
            for (Future<Boolean> one : admitted) {
                events += one.get(60, TimeUnit.SECONDS) ? 5 : 0;
            }
            assertEquals(0, nodeA.sharedFailures() + nodeB.sharedFailures(), "PostgreSQL answered every check in time");
            assertEquals(1_000, events, "300 requests of 5 against 1000 a minute, over two nodes");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void anUnreachableDatabaseFailsOpenToTheNodesOwnLimit() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + closedPort + "/larch?user=larch&password=larch");
        config.setConnectionTimeout(500);
        config.setInitializationFailTimeout(-1);
        try (HikariDataSource unreachable = new HikariDataSource(config)) {
            RateLimiter cut = RateLimiter.shared(clock, 100, unreachable);
            cut.admitEvents(1, limits, 100, Map.of());
            assertEquals(1, cut.sharedFailures(), "counted");
            refused(() -> cut.admitEvents(1, limits, 1, Map.of()));
            assertEquals(1, cut.sharedFailures(), "PostgreSQL is not asked again for " + RateLimiter.SHARED_RETRY_AFTER);
            clock.advance(RateLimiter.SHARED_RETRY_AFTER.plusSeconds(1));
            cut.admitEvents(1, limits, 8, Map.of());
            assertTrue(cut.sharedFailures() >= 2, "asked again after the pause, and decided locally again");
        }
    }

    @Test
    void aDatabaseThatHangsHoldsARequestAtMostTheSharedTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread.ofVirtual().start(() -> {
                List<java.net.Socket> accepted = new ArrayList<>();
                try {
                    while (true) {
                        accepted.add(silent.accept()); // accepts, never answers: a hung server
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/larch?user=larch&password=larch");
            config.setConnectionTimeout(3_000); // longer than the shared timeout: the pool would hold the request
            config.setInitializationFailTimeout(-1);
            try (HikariDataSource hung = new HikariDataSource(config)) {
                RateLimiter stuck = RateLimiter.shared(clock, 100, hung);
                long started = System.nanoTime();
                stuck.admitEvents(1, limits, 100, Map.of());
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertTrue(millis < RateLimiter.SHARED_TIMEOUT.toMillis() + 1_000, "answered in " + millis + " ms");
                assertEquals(1, stuck.sharedFailures());
                refused(() -> stuck.admitEvents(1, limits, 1, Map.of()));
            }
        }
    }

    @Test
    void oneNodeWithoutPostgresKeepsTheSameLimits() {
        RateLimiter alone = new RateLimiter(clock, 100);
        alone.admitEvents(1, limits, 60, Map.of());
        alone.admitEvents(1, limits, 40, Map.of());
        refused(() -> alone.admitEvents(1, limits, 1, Map.of()));
        assertEquals(false, alone.isShared());
        assertEquals(true, nodeA.isShared());
    }
}
