package io.larch.lifecycle;

import io.larch.meta.AdvisoryLock;
import io.larch.meta.Database;
import java.time.Duration;
import java.util.Optional;

/**
 * What keeps a cluster-wide job (a maintenance run) to one node at a time. {@link #NONE} on one
 * node (the process's own lock is enough); {@link #advisory} with several nodes on PostgreSQL.
 *
 * <p>Contract: a {@link Held} is released by closing it, on the thread that took it or another;
 * {@link #tryAcquire} never waits for another node; both throw when the lock cannot be asked
 * for (the database is down), and the caller then skips the job rather than run it unguarded.
 */
public interface ClusterLock {
    /** The lock held until closed. */
    interface Held extends AutoCloseable {
        @Override
        void close();

        /** False once the lock may have been lost (its database session ended); one node's lock never is. */
        default boolean stillHeld() {
            return true;
        }
    }

    /** The lock now, or empty when another node holds it. */
    Optional<Held> tryAcquire();

    /** The lock, waiting up to {@code timeout} for the node that holds it; empty when that did not end in time. */
    Optional<Held> acquire(Duration timeout) throws InterruptedException;

    /** One node: always held at once. */
    ClusterLock NONE = new ClusterLock() {
        @Override
        public Optional<Held> tryAcquire() {
            return Optional.of(() -> { });
        }

        @Override
        public Optional<Held> acquire(Duration timeout) {
            return tryAcquire();
        }
    };

    /** An advisory lock named {@code key} when {@code database} is PostgreSQL (several nodes), else {@link #NONE}. */
    static ClusterLock of(Database database, long key) {
        return database.isPostgres() ? advisory(new AdvisoryLock(database.dataSource(), key)) : NONE;
    }

    /** A PostgreSQL session-level advisory lock. */
    static ClusterLock advisory(AdvisoryLock lock) {
        return new ClusterLock() {
            @Override
            public Optional<Held> tryAcquire() {
                return lock.tryAcquire().map(ClusterLock::held);
            }

            @Override
            public Optional<Held> acquire(Duration timeout) throws InterruptedException {
                return lock.acquire(timeout).map(ClusterLock::held);
            }
        };
    }

    private static Held held(AdvisoryLock.Held held) {
        return new Held() {
            @Override
            public void close() {
                held.close();
            }

            @Override
            public boolean stillHeld() {
                return held.stillHeld();
            }
        };
    }
}
