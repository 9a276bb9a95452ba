package io.larch.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * A PostgreSQL session-level advisory lock, held on a connection of its own for as long as the
 * caller holds it: what several nodes use so that a job runs on one of them at a time. If the
 * node dies or its connection breaks, PostgreSQL ends the session and the lock is free again; no
 * lease to expire, no row to clean up.
 *
 * <p>Thread-safe: each acquisition has its own connection.
 */
public final class AdvisoryLock {
    /** How often {@link #acquire} asks again while another node holds the lock. */
    private static final long POLL_MILLIS = 200;

    private final DataSource dataSource;
    private final long key;

    /** The lock named {@code key} (one number per job, the same on every node) in {@code dataSource}'s database. */
    public AdvisoryLock(DataSource dataSource, long key) {
        this.dataSource = dataSource;
        this.key = key;
    }

    /** The lock now, or empty when another session holds it; a database that cannot be reached throws. */
    public Optional<Held> tryAcquire() {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        } catch (SQLException e) {
            throw new MetadataException("cannot reach the metadata database for an advisory lock: " + e.getMessage(), e);
        }
        try {
            connection.setAutoCommit(true);
            try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                lock.setLong(1, key);
                try (ResultSet rows = lock.executeQuery()) {
                    if (rows.next() && rows.getBoolean(1)) {
                        return Optional.of(new Held(connection));
                    }
                }
            }
            connection.close();
            return Optional.empty();
        } catch (SQLException e) {
            discard(connection);
            throw new MetadataException("advisory lock " + key + " failed: " + e.getMessage(), e);
        }
    }

    /** The lock, waiting up to {@code timeout} for another session to release it; empty when it did not. */
    public Optional<Held> acquire(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Held> held = tryAcquire();
            if (held.isPresent() || System.nanoTime() >= deadline) {
                return held;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** The lock held; {@link #close} releases it and gives the connection back. */
    public final class Held implements AutoCloseable {
        private final Connection connection;
        private boolean closed;

        private Held(Connection connection) {
            this.connection = connection;
        }

        /**
         * True while this session still holds the lock: false once its connection broke (a
         * PostgreSQL restart, a killed backend), when another node may have taken the lock.
         */
        public synchronized boolean stillHeld() {
            if (closed) {
                return false;
            }
            try (PreparedStatement check = connection.prepareStatement("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
                    + "AND pid = pg_backend_pid() AND granted AND ((classid::bigint << 32) | objid::bigint) = ?")) {
                check.setLong(1, key);
                try (ResultSet rows = check.executeQuery()) {
                    return rows.next();
                }
            } catch (SQLException e) {
                return false;
            }
        }

        /**
         * Releases the lock. A connection whose unlock failed is closed for good (aborted), never
         * returned to a pool still holding the lock: its session ends and the lock with it.
         */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            boolean released = false;
            try (PreparedStatement unlock = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                unlock.setLong(1, key);
                try (ResultSet rows = unlock.executeQuery()) {
                    released = rows.next() && rows.getBoolean(1);
                }
            } catch (SQLException e) {
                released = false;
            }
            if (released) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    discard(connection);
                }
            } else {
                discard(connection);
            }
        }
    }

    private static void discard(Connection connection) {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // already broken: its session is gone, and the lock with it
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // as above
        }
    }
}
