package io.larch.query;

import io.larch.meta.PartRecord;
import io.larch.storage.DuckDbEngine;
import io.larch.storage.PartFiles;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Runs SQL over a set of parts: the {@code FROM} clause, parameter binding, row iteration. */
final class PartSql {
    private PartSql() {
    }

    /** A {@code read_parquet([...])} table over {@code parts}. */
    static String from(List<PartRecord> parts, PartFiles partFiles) {
        StringBuilder files = new StringBuilder("read_parquet([");
        for (int i = 0; i < parts.size(); i++) {
            files.append(i == 0 ? "" : ", ").append(DuckDbEngine.quotePath(partFiles.path(parts.get(i))));
        }
        return files.append("])").toString();
    }

    /** Receives each row. */
    interface RowHandler {
        void row(ResultSet row) throws SQLException;
    }

    static void run(DuckDbEngine engine, String sql, List<Object> parameters, RowHandler handler) {
        try (Connection connection = engine.connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    handler.row(rows);
                }
            }
        } catch (SQLException e) {
            throw new QueryFailedException("reading parts failed: " + e.getMessage(), e);
        }
    }

    static void bind(PreparedStatement statement, List<Object> parameters) throws SQLException {
        for (int i = 0; i < parameters.size(); i++) {
            statement.setObject(i + 1, parameters.get(i));
        }
    }
}
