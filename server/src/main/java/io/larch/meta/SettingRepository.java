package io.larch.meta;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;

/** Small named values kept in the metadata database. */
public final class SettingRepository {
    private final Database database;

    public SettingRepository(Database database) {
        this.database = database;
    }

    public Optional<String> get(String name) {
        return database.read(c -> {
            try (PreparedStatement select = c.prepareStatement("SELECT value FROM settings WHERE name = ?")) {
                select.setString(1, name);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
                }
            }
        });
    }

    /** Stores {@code value} only when {@code name} has none yet; returns whether it was stored. */
    public boolean putIfAbsent(String name, String value) {
        return database.read(c -> {
            try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
                insert.setString(1, name);
                insert.setString(2, value);
                return insert.executeUpdate() > 0;
            }
        });
    }

    public void put(String name, String value) {
        database.read(c -> {
            try (PreparedStatement upsert = c.prepareStatement(
                    "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
                upsert.setString(1, name);
                upsert.setString(2, value);
                return upsert.executeUpdate();
            }
        });
    }
}
