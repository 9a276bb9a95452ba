package io.larch.search;

import io.larch.part.DuckDbEngine;
import io.larch.part.PartFiles;
import io.larch.part.PartSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Runs SQL over a set of parts: the {@code FROM} clause, parameter binding, row iteration. */
public final class PartSql {
    private PartSql() {
    }

    /**
     * A table over {@code scans}: whole parts through one {@code read_parquet([...])}, narrowed
     * parts as one sub-select per row range (DuckDB then reads only the row groups in the range).
     */
    public static String from(List<PartScan> scans, PartFiles partFiles) {
        List<String> selects = new ArrayList<>();
        List<String> whole = new ArrayList<>();
        for (PartScan scan : scans) {
            String file = DuckDbEngine.quotePath(partFiles.path(scan.part()));
            if (scan.isWhole()) {
                whole.add(file);
                continue;
            }
            for (long[] range : scan.rowRanges()) {
                selects.add("SELECT " + PartSchema.ALL_COLUMNS + " FROM read_parquet(" + file
                        + ", file_row_number = true) WHERE file_row_number BETWEEN " + range[0] + " AND " + range[1]);
            }
        }
        if (!whole.isEmpty()) {
            selects.add("SELECT " + PartSchema.ALL_COLUMNS + " FROM read_parquet([" + String.join(", ", whole) + "])");
        }
        return "(" + String.join(" UNION ALL ", selects) + ") AS parts";
    }

    /** Receives each row. */
    public interface RowHandler {
        void row(ResultSet row) throws SQLException;
    }

    /** Runs {@code sql}; a stop of {@code budget} cancels it. */
    public static void run(DuckDbEngine engine, String sql, List<Object> parameters, QueryBudget budget, RowHandler handler) {
        try (Connection connection = engine.connect(); PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, parameters);
            budget.run(statement, () -> {
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        handler.row(rows);
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            if (e.getMessage() != null && e.getMessage().contains("Out of Memory Error")) {
                throw new QueryOutOfMemoryException("the query needed more memory than LARCH_DUCKDB_MEMORY_LIMIT allows; "
                        + "narrow its time range or filters, retry when fewer queries run, or raise the limit", e);
            }
            throw new QueryFailedException("reading parts failed: " + e.getMessage(), e);
        }
    }

    public static void bind(PreparedStatement statement, List<Object> parameters) throws SQLException {
        for (int i = 0; i < parameters.size(); i++) {
            statement.setObject(i + 1, parameters.get(i));
        }
    }
}
