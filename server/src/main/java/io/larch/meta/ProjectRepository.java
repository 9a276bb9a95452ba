package io.larch.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Projects table. */
public final class ProjectRepository {
    private final Database database;

    public ProjectRepository(Database database) {
        this.database = database;
    }

    /** Inserts a project using the caller's transaction connection. Slug uniqueness is the caller's check. */
    public Project insert(Connection c, String slug, String name, long createdAt) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO projects (slug, name, created_at) VALUES (?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, slug);
            insert.setString(2, name);
            insert.setLong(3, createdAt);
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return new Project(keys.getLong(1), slug, name, createdAt);
            }
        }
    }

    public Optional<Project> findBySlug(String slug) {
        return database.read(c -> findOne(c, "SELECT id, slug, name, created_at FROM projects WHERE slug = ?", slug));
    }

    public Optional<Project> findBySlug(Connection c, String slug) throws SQLException {
        return findOne(c, "SELECT id, slug, name, created_at FROM projects WHERE slug = ?", slug);
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
