package io.larch.meta;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    /** Makes the project {@code slug} (named after it) and returns its id. */
    final long newProject(String slug) {
        ProjectRepository projects = new ProjectRepository(database);
        return database.transaction(c -> projects.insertIfAbsent(c, slug, slug.toUpperCase(Locale.ROOT), 0)).orElseThrow().id();
    }

    /** One of several racing workers: {@code db} is {@link #database} or a {@link #peer()}, {@code worker} its number. */
    @FunctionalInterface
    interface Racer<T> {
        T run(Database db, int worker) throws Exception;
    }

    /**
     * Runs {@code racer} on {@code workers} threads released at the same moment, alternating
     * between {@link #database} and a peer (another node's pool on PostgreSQL); returns their
     * answers in worker order and fails if any worker failed.
     */
    final <T> List<T> race(int workers, Racer<T> racer) throws Exception {
        Database other = peer();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<T>> running = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                Database db = i % 2 == 0 ? database : other;
                int worker = i;
                running.add(pool.submit(() -> {
                    start.await();
                    return racer.run(db, worker);
                }));
            }
            start.countDown();
            List<T> answers = new ArrayList<>();
            for (Future<T> answer : running) {
                answers.add(answer.get());
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
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
