package io.larch.meta;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base of every repository contract: each test gets a fresh, migrated metadata database of
 * one backend. A contract ({@code ...RepositoryContract}) states what a repository does; its two
 * subclasses run it on SQLite and on a real PostgreSQL ({@link Backend}), so the shared SQL is
 * proven on both.
 */
abstract class MetadataContract {
    @TempDir
    Path dir;
    Database database;
    private String url;
    private final List<Database> peers = new ArrayList<>();

    /** The backend the subclass runs the contract on. */
    abstract Backend backend();

    /** Called once the database is open: make the repositories under test. */
    abstract void openRepositories();

    @BeforeEach
    final void openDatabase() {
        url = backend().newUrl(dir);
        database = Database.open(url);
        openRepositories();
    }

    @AfterEach
    final void closeDatabase() {
        peers.forEach(Database::close);
        database.close();
    }

    /**
     * The same database as another node sees it: on PostgreSQL a second pool (closed after the
     * test); on SQLite, which one process owns, the same {@link #database}.
     */
    final Database peer() {
        if (backend() == Backend.SQLITE) {
            return database;
        }
        Database peer = Database.open(url);
        peers.add(peer);
        return peer;
    }
}
