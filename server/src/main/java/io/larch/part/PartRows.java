package io.larch.part;

import io.larch.model.Kind;
import io.larch.model.Level;
import io.larch.model.LogEvent;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads events back from rows selected as {@link PartSchema#ALL_COLUMNS}. */
public final class PartRows {
    private PartRows() {
    }

    public static LogEvent read(ResultSet row) throws SQLException {
        return new LogEvent(
                row.getLong(1),
                row.getLong(2),
                row.getLong(3),
                row.getLong(4),
                Kind.parse(row.getString(5)).orElseThrow(() -> new SQLException("bad kind in part")),
                Level.ofSeverity(row.getInt(6)),
                row.getString(7),
                row.getString(8),
                row.getString(9),
                row.getString(10),
                row.getString(11),
                row.getString(12),
                row.getString(13),
                row.getString(14),
                row.getString(15),
                row.getString(16),
                attrs(row.getObject(17)));
    }

    private static Map<String, String> attrs(Object value) {
        if (!(value instanceof Map<?, ?> map) || map.isEmpty()) {
            return Map.of();
        }
        Map<String, String> attrs = new LinkedHashMap<>();
        map.forEach((k, v) -> attrs.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        return attrs;
    }
}
