package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.larch.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two PostgreSQL pools: durable commits for metadata, relaxed ones for rate-limit tokens only. */
class PostgresDatabaseTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheRelaxedPoolCommitsWithoutWaitingForTheDisk() throws Exception {
        String url = PostgresServer.shared().newDatabase();
        // The test cluster commits without fsync for speed; this database gets the durable default back.
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet name = s.executeQuery("SELECT current_database()")) {
            name.next();
            s.execute("ALTER DATABASE \"" + name.getString(1) + "\" SET synchronous_commit = on");
        }
        try (Database database = Database.open(url)) {
            assertEquals("on", synchronousCommit(database.dataSource()), "metadata commits are durable");
            DataSource relaxed = database.relaxedDataSource();
            assertEquals("off", synchronousCommit(relaxed));
            assertSame(relaxed, database.relaxedDataSource(), "one relaxed pool");
            assertEquals("on", synchronousCommit(database.dataSource()), "the main pool's connections are untouched");
        }
        try (Database sqlite = Database.open("jdbc:sqlite:" + dir.resolve("larch.db"))) {
            assertThrows(IllegalStateException.class, sqlite::relaxedDataSource);
        }
    }

    private static String synchronousCommit(DataSource source) throws Exception {
        try (Connection c = source.getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SHOW synchronous_commit")) {
            rows.next();
            return rows.getString(1);
        }
    }
}
