package io.larch.part;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.duckdb.DuckDBConnection;

/**
 * The embedded DuckDB instance that writes and reads parts. One in-memory database, limited in
 * memory and threads (DuckDB's defaults would take most of the machine, outside the Java heap);
 * each user takes its own connection. Thread-safe.
 */
public final class DuckDbEngine implements AutoCloseable {
    private final DuckDBConnection root;

    private DuckDbEngine(DuckDBConnection root) {
        this.root = root;
    }

    /**
     * @param tempDir where DuckDB may spill when a query exceeds the memory limit
     */
    public static DuckDbEngine open(long memoryLimitBytes, int threads, Path tempDir) {
        try {
            DuckDBConnection root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
            try (Statement settings = root.createStatement()) {
                settings.execute(String.format(Locale.ROOT, "SET memory_limit = '%dMB'", memoryLimitBytes / (1024 * 1024)));
                settings.execute("SET threads = " + threads);
                settings.execute("SET temp_directory = '" + tempDir.toString().replace("'", "''") + "'");
                settings.execute("SET parquet_metadata_cache = true");
                settings.execute("SET enable_progress_bar = false");
            }
            return new DuckDbEngine(root);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start DuckDB: " + e.getMessage(), e);
        }
    }

    /** A new connection to the shared database; the caller closes it. */
    public Connection connect() throws SQLException {
        return root.duplicate();
    }

    /** Quotes a file path as a SQL string literal. Paths come from the catalog, never from users. */
    public static String quotePath(Path path) {
        return "'" + path.toString().replace("'", "''") + "'";
    }

    @Override
    public void close() {
        try {
            root.close();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot close DuckDB: " + e.getMessage(), e);
        }
    }
}
