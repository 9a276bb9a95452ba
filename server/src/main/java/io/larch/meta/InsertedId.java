package io.larch.meta;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The id of a row an {@code INSERT ... RETURNING id} made: one form that SQLite (3.35+) and
 * PostgreSQL both answer, where JDBC's generated keys differ between the two drivers.
 */
final class InsertedId {
    private InsertedId() {
    }

    /** Runs {@code insert} (which must end in {@code RETURNING id}) and returns the new row's id. */
    static long of(PreparedStatement insert) throws SQLException {
        try (ResultSet rows = insert.executeQuery()) {
            if (!rows.next()) {
                throw new SQLException("the insert returned no id");
            }
            return rows.getLong(1);
        }
    }
}
