package io.larch.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Projects table. */
public final class ProjectRepository {
    private final Database database;

    public ProjectRepository(Database database) {
        this.database = database;
    }

    /**
     * Inserts a project inside the caller's transaction, unless its slug is taken: then nothing
     * changes and the answer is empty. One statement decides, so two requests (or nodes) making
     * the same slug at once get one project and one empty answer, never a duplicate-key failure.
     */
    public Optional<Project> insertIfAbsent(Connection c, String slug, String name, long createdAt) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO projects (slug, name, created_at) VALUES (?, ?, ?) ON CONFLICT (slug) DO NOTHING RETURNING id")) {
            insert.setString(1, slug);
            insert.setString(2, name);
            insert.setLong(3, createdAt);
            try (ResultSet rows = insert.executeQuery()) {
                return rows.next() ? Optional.of(new Project(rows.getLong(1), slug, name, createdAt)) : Optional.empty();
            }
        }
    }

    public Optional<Project> findBySlug(String slug) {
        return database.read(c -> findOne(c, "SELECT id, slug, name, created_at FROM projects WHERE slug = ?", slug));
    }

    public Optional<Project> findById(long id) {
        return database.read(c -> findOne(c, "SELECT id, slug, name, created_at FROM projects WHERE id = ?", id));
    }

    public List<Project> list() {
        return database.read(c -> {
            List<Project> projects = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(
                    "SELECT id, slug, name, created_at FROM projects ORDER BY slug");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    projects.add(read(rows));
                }
            }
            return projects;
        });
    }

    private static Optional<Project> findOne(Connection c, String sql, Object parameter) throws SQLException {
        try (PreparedStatement select = c.prepareStatement(sql)) {
            select.setObject(1, parameter);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(read(rows)) : Optional.empty();
            }
        }
    }

    private static Project read(ResultSet rows) throws SQLException {
        return new Project(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getLong(4));
    }
}
