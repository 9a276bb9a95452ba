package io.larch.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PostgresServerTest {
    @Test
    void givesEachTestItsOwnEmptyDatabase() throws Exception {
        String first = PostgresServer.shared().newDatabase();
        String second = PostgresServer.shared().newDatabase();
        assertNotEquals(first, second);
        try (Connection a = DriverManager.getConnection(first); Statement s = a.createStatement()) {
            s.execute("CREATE TABLE t (x int)");
            s.execute("INSERT INTO t VALUES (15)");
            ResultSet rows = s.executeQuery("SELECT x, current_setting('server_version_num')::int / 10000 FROM t");
            rows.next();
            assertEquals(15, rows.getInt(1));
            assertEquals(15, rows.getInt(2));
        }
        try (Connection b = DriverManager.getConnection(second); Statement s = b.createStatement()) {
            ResultSet rows = s.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 't'");
            rows.next();
            assertEquals(0, rows.getInt(1));
        }
    }
}
