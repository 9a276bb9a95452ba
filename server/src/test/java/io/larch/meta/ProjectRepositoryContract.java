package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Projects, their API keys and the audit trail, on each backend. */
abstract class ProjectRepositoryContract extends MetadataContract {
    ProjectRepository projects;
    ApiKeyRepository keys;
    AuditRepository audit;

    @Override
    void openRepositories() {
        projects = new ProjectRepository(database);
        keys = new ApiKeyRepository(database);
        audit = new AuditRepository(database);
    }

    Project project(String slug) {
        return database.transaction(c -> projects.insertIfAbsent(c, slug, slug.toUpperCase(), 1000)).orElseThrow();
    }

    @Test
    void projectsAreFoundBySlugAndIdAndListedBySlug() {
        Project shop = project("shop");
        Project blog = project("blog");
        assertTrue(shop.id() > 0 && blog.id() > 0 && shop.id() != blog.id());
        assertEquals(Optional.of(shop), projects.findBySlug("shop"));
        assertEquals(Optional.of(blog), projects.findById(blog.id()));
        assertEquals(Optional.empty(), projects.findBySlug("nope"));
        assertEquals(Optional.empty(), projects.findById(999));
        assertEquals(List.of(blog, shop), projects.list());
        Project dashed = project("sh-op");
        assertEquals(List.of(blog, dashed, shop), projects.list(), "byte order, as SQLite sorts, whatever the locale");
    }

    @Test
    void aTakenSlugInsertsNothing() {
        Project shop = project("shop");
        assertEquals(Optional.empty(), database.transaction(c -> projects.insertIfAbsent(c, "shop", "Other", 2000)));
        assertEquals(List.of(shop), projects.list());
    }

    /** Without SQLite's lock, check-then-insert would race: the insert itself must decide, once. */
    @Test
    void concurrentCreatesOfOneSlugMakeOneProject() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            Database other = peer();
            ProjectRepository otherProjects = new ProjectRepository(other);
            List<Future<Optional<Project>>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Database db = i % 2 == 0 ? database : other;
                ProjectRepository repository = i % 2 == 0 ? projects : otherProjects;
                int attempt = i;
                results.add(pool.submit(() -> {
                    start.await();
                    return db.transaction(c -> repository.insertIfAbsent(c, "race", "Race " + attempt, 1000));
                }));
            }
            start.countDown();
            int made = 0;
            for (Future<Optional<Project>> result : results) {
                made += result.get().isPresent() ? 1 : 0;
            }
            assertEquals(1, made, "exactly one insert wins; the others see the slug taken, none fails");
            assertEquals(1, projects.list().size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void keysAreFoundByHashAndRevokedOnce() {
        Project shop = project("shop");
        ApiKeyRecord key = database.transaction(c -> keys.insert(c, shop.id(), "lk_ab", "hash-1", Set.of("ingest", "read"),
                "default", 1000));
        ApiKeyRecord second = database.transaction(c -> keys.insert(c, shop.id(), "lk_cd", "hash-2", Set.of("read"), "ci", 1001));
        assertTrue(key.id() > 0 && second.id() > key.id());
        assertEquals(Optional.of(key), keys.findByHash("hash-1"));
        assertEquals(Optional.of(second), keys.findById(second.id()));
        assertEquals(Optional.empty(), keys.findByHash("hash-3"));
        assertEquals(List.of(key, second), keys.listForProject(shop.id()));
        assertTrue(database.<Boolean>transaction(c -> keys.revoke(c, shop.id(), "lk_ab", 2000)));
        assertFalse(database.<Boolean>transaction(c -> keys.revoke(c, shop.id(), "lk_ab", 3000)), "already revoked");
        assertFalse(database.<Boolean>transaction(c -> keys.revoke(c, shop.id(), "lk_zz", 3000)), "no such key");
        assertEquals(2000L, keys.findByHash("hash-1").orElseThrow().revokedAt());
        assertEquals(null, keys.findByHash("hash-2").orElseThrow().revokedAt());
    }

    @Test
    void aKeyHashIsUniqueAndAFailedTransactionLeavesNothing() {
        Project shop = project("shop");
        database.transaction(c -> keys.insert(c, shop.id(), "lk_ab", "hash-1", Set.of("read"), "a", 1000));
        assertThrows(MetadataException.class, () -> database.transaction(c -> {
            audit.append(c, 1000, "admin", null, "key.create", shop.id(), "lk_cd", null);
            return keys.insert(c, shop.id(), "lk_cd", "hash-1", Set.of("read"), "b", 1000);
        }));
        assertEquals(1, keys.listForProject(shop.id()).size());
        assertEquals(List.of(), audit.list(null, Long.MAX_VALUE, 10), "the audit entry rolled back with the key");
    }

    @Test
    void auditIsReadNewestFirstByPageAndProject() {
        Project shop = project("shop");
        database.transaction(c -> {
            audit.append(c, 1, "admin", "127.0.0.1", "project.create", shop.id(), "shop", "{\"name\":\"Shop\"}");
            audit.append(c, 2, "key lk_ab", null, "key.create", shop.id(), "lk_cd", null);
            audit.append(c, 3, "admin", null, "settings.change", null, null, null);
            return null;
        });
        List<AuditEntry> all = audit.list(null, Long.MAX_VALUE, 10);
        assertEquals(List.of("settings.change", "key.create", "project.create"), all.stream().map(AuditEntry::action).toList());
        assertEquals(null, all.getFirst().projectId());
        assertEquals("127.0.0.1", all.getLast().clientIp());
        assertEquals("{\"name\":\"Shop\"}", all.getLast().detail());
        assertEquals(List.of("key.create", "project.create"),
                audit.list(shop.id(), Long.MAX_VALUE, 10).stream().map(AuditEntry::action).toList());
        assertEquals(List.of("project.create"),
                audit.list(null, all.get(1).id(), 10).stream().map(AuditEntry::action).toList(), "the page after");
        assertEquals(1, audit.list(null, Long.MAX_VALUE, 1).size());
    }
}
