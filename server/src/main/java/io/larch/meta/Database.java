package io.larch.meta;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;

/**
 * The metadata database: one SQLite connection shared by all repositories. SQLite serializes
 * writers anyway, so a lock around one connection costs nothing and avoids SQLITE_BUSY inside the
 * process; other processes (the CLI) wait up to the busy timeout.
 *
 * <p>Commits are durable ({@code synchronous=FULL}): the catalog decides when a WAL segment may be
 * deleted, so a commit lost to a power cut could lose acknowledged events.
 */
public final class Database implements AutoCloseable {
    /** Guards {@link #connection}: every use of it happens while holding this lock. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Connection connection;

    private Database(Connection connection) {
        this.connection = connection;
    }

    /** Opens (creating if needed) and migrates the database at {@code jdbcUrl}. */
    public static Database open(String jdbcUrl) {
        Flyway.configure()
                .dataSource(jdbcUrl, null, null)
                .locations("classpath:db/migration/sqlite")
                .load()
                .migrate();
        try {
            Connection connection = DriverManager.getConnection(jdbcUrl);
            try (Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode=WAL");
                statement.execute("PRAGMA synchronous=FULL");
                statement.execute("PRAGMA busy_timeout=10000");
                statement.execute("PRAGMA foreign_keys=ON");
            }
            return new Database(connection);
        } catch (SQLException e) {
            throw new MetadataException("cannot open metadata database " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code work} with the shared connection in auto-commit mode. */
    public <T> T read(SqlWork<T> work) {
        lock.lock();
        try {
            return work.run(connection);
        } catch (SQLException e) {
            throw new MetadataException("metadata query failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code work} in one transaction: all of it commits, or none of it. */
    public <T> T transaction(SqlWork<T> work) {
        lock.lock();
        try {
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new MetadataException("metadata update failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** True when a trivial query succeeds; used by readiness checks. */
    public boolean isHealthy() {
        try {
            return read(c -> {
                try (Statement statement = c.createStatement()) {
                    return statement.executeQuery("SELECT 1").next();
                }
            });
        } catch (MetadataException e) {
            return false;
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw new MetadataException("cannot close metadata database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Work that does nothing: for a caller with nothing to add to a transaction. */
    public static final SqlWork<Void> NOTHING_MORE = c -> null;

    /** Work against a JDBC connection. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }
}
