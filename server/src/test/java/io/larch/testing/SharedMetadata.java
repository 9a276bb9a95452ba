package io.larch.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

/**
 * A fresh database on the test PostgreSQL ({@link PostgresServer}), migrated like a node's
 * metadata, behind a small HikariCP pool: what several "nodes" in one test share.
 */
public final class SharedMetadata implements AutoCloseable {
    public final String url;
    public final HikariDataSource dataSource;

    private SharedMetadata(String url, HikariDataSource dataSource) {
        this.url = url;
        this.dataSource = dataSource;
    }

    /** A new database with every PostgreSQL migration applied. */
    public static SharedMetadata open() {
        String url = PostgresServer.shared().newDatabase();
        Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration/postgresql").load().migrate();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(8);
        config.setConnectionTimeout(5_000);
        return new SharedMetadata(url, new HikariDataSource(config));
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
