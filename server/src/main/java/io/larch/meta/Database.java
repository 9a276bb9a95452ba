package io.larch.meta;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.larch.config.ConfigException;
import io.larch.config.LarchConfig;
import io.larch.config.Settings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The metadata database, SQLite or PostgreSQL, chosen by the JDBC URL. Repositories share the SQL;
 * where the two dialects differ they ask {@link #isPostgres()}.
 *
 * <p><b>SQLite</b> (the default): one connection shared by all repositories. SQLite serializes
 * writers anyway, so a lock around one connection costs nothing and avoids SQLITE_BUSY inside the
 * process; other processes (the CLI) wait up to the busy timeout. Commits are durable
 * ({@code synchronous=FULL}): the catalog decides when a WAL segment may be deleted, so a commit
 * lost to a power cut could lose acknowledged events.
 *
 * <p><b>PostgreSQL</b> (several nodes): a small HikariCP pool; each {@link #read} or
 * {@link #transaction} takes a connection of its own, so calls run concurrently, within this
 * process and across nodes. Nothing serializes them but PostgreSQL: a read-then-write must be
 * made atomic in SQL (a conditional UPDATE, ON CONFLICT, SELECT ... FOR UPDATE), never by
 * relying on the SQLite lock. Work must use the connection it is given, never call
 * {@code read} or {@code transaction} again: on PostgreSQL that takes a second connection (outside
 * the transaction, and a deadlock once the pool is used up).
 *
 * <p>Thread-safe. Opening migrates the schema with Flyway (PostgreSQL's Flyway takes an advisory
 * lock, so nodes starting together migrate once).
 */
public final class Database implements AutoCloseable {
    /** Guards {@link #sqlite}: every use of it happens while holding this lock. Unused with PostgreSQL. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The one SQLite connection, or null with PostgreSQL. */
    private final Connection sqlite;
    /** The PostgreSQL pool, or null with SQLite. */
    private final HikariDataSource pool;
    /** PostgreSQL: the settings the pool was made from, for {@link #relaxedDataSource}. */
    private final HikariConfig poolConfig;
    /** Made on first use by {@link #relaxedDataSource}; guarded by {@code this}. */
    private HikariDataSource relaxed;

    private Database(Connection sqlite, HikariDataSource pool, HikariConfig poolConfig) {
        this.sqlite = sqlite;
        this.pool = pool;
        this.poolConfig = poolConfig;
    }

    /** Opens (creating if needed) and migrates the SQLite or PostgreSQL database at {@code jdbcUrl}. */
    public static Database open(String jdbcUrl) {
        return open(LarchConfig.Metadata.of(jdbcUrl));
    }

    /**
     * Opens and migrates the database {@code metadata} names. Fails, naming the setting, when the
     * URL is neither SQLite nor PostgreSQL or when PostgreSQL cannot be reached.
     */
    public static Database open(LarchConfig.Metadata metadata) {
        if (metadata.isSqlite()) {
            return openSqlite(metadata.url());
        }
        if (metadata.isPostgres()) {
            return openPostgres(metadata);
        }
        throw new ConfigException(List.of(Settings.METADATA_URL.name()
                + ": give a jdbc:sqlite:<file> or jdbc:postgresql://host:port/database URL, got '" + metadata.shownUrl() + "'"));
    }

    private static Database openSqlite(String jdbcUrl) {
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
            return new Database(connection, null, null);
        } catch (SQLException e) {
            throw new MetadataException("cannot open metadata database " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    private static Database openPostgres(LarchConfig.Metadata metadata) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("larch-metadata");
        config.setJdbcUrl(metadata.url());
        metadata.user().ifPresent(config::setUsername);
        metadata.password().ifPresent(config::setPassword);
        config.setMaximumPoolSize(metadata.poolSize());
        // A call waits this long for a free connection before it fails (a pool that small and busy is a bug).
        config.setConnectionTimeout(10_000);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigException(List.of(Settings.METADATA_URL.name() + ": cannot connect to PostgreSQL at "
                    + metadata.shownUrl() + " (" + cause.getMessage() + "); start PostgreSQL or correct "
                    + Settings.METADATA_URL.name() + ", " + Settings.METADATA_USER.name() + " and "
                    + Settings.METADATA_PASSWORD.name()));
        }
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration/postgresql")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            pool.close();
            throw new MetadataException("cannot migrate metadata database " + metadata.shownUrl() + ": " + e.getMessage(), e);
        }
        return new Database(null, pool, config);
    }

    /** True when this is the PostgreSQL backend (several nodes may share it); false for SQLite. */
    public boolean isPostgres() {
        return pool != null;
    }

    /**
     * The PostgreSQL pool, for code that needs connections of its own (LISTEN/NOTIFY, advisory
     * locks, Bucket4j). A connection taken from it must be closed (returned) soon: the pool is
     * small. Throws {@link IllegalStateException} with SQLite, which has no pool to share.
     */
    public DataSource dataSource() {
        if (pool == null) {
            throw new IllegalStateException("the SQLite metadata database has no connection pool; check isPostgres() first");
        }
        return pool;
    }

    /**
     * A second pool of the same size on PostgreSQL whose commits do not wait for PostgreSQL's
     * fsync ({@code synchronous_commit=off}): for state whose last moments may be lost to a
     * PostgreSQL crash without harm, and that is written on every request (rate-limit tokens).
     * With 20 nodes on one project's buckets, one fsync per check added 0.3 s to every request
     * (BENCHMARKS.md, "Several nodes"). Never for the catalog, keys or alert state.
     */
    public synchronized DataSource relaxedDataSource() {
        if (pool == null) {
            throw new IllegalStateException("the SQLite metadata database has no connection pool; check isPostgres() first");
        }
        if (relaxed == null) {
            HikariConfig config = new HikariConfig();
            poolConfig.copyStateTo(config);
            config.setPoolName("larch-metadata-relaxed");
            config.setConnectionInitSql("SET synchronous_commit TO off");
            relaxed = new HikariDataSource(config);
        }
        return relaxed;
    }

    /** Runs {@code work} on a connection in auto-commit mode (each statement commits by itself). */
    public <T> T read(SqlWork<T> work) {
        try {
            return withConnection(work);
        } catch (SQLException e) {
            throw new MetadataException("metadata query failed: " + e.getMessage(), e);
        }
    }

    /** Runs {@code work} in one transaction: all of it commits, or none of it. */
    public <T> T transaction(SqlWork<T> work) {
        try {
            return withConnection(connection -> {
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
            });
        } catch (SQLException e) {
            throw new MetadataException("metadata update failed: " + e.getMessage(), e);
        }
    }

    /** SQLite: the shared connection under the lock; PostgreSQL: a connection of the pool, returned after. */
    private <T> T withConnection(SqlWork<T> work) throws SQLException {
        if (pool != null) {
            try (Connection connection = pool.getConnection()) {
                return work.run(connection);
            }
        }
        lock.lock();
        try {
            return work.run(sqlite);
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
        if (pool != null) {
            synchronized (this) {
                if (relaxed != null) {
                    relaxed.close();
                }
            }
            pool.close();
            return;
        }
        lock.lock();
        try {
            sqlite.close();
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
