package io.larch.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Server settings and per-project settings, on each backend. */
abstract class SettingRepositoryContract extends MetadataContract {
    SettingRepository settings;
    ProjectSettingRepository projectSettings;
    long projectId;

    @Override
    void openRepositories() {
        settings = new SettingRepository(database);
        projectSettings = new ProjectSettingRepository(database);
        projectId = database.transaction(c -> new ProjectRepository(database).insertIfAbsent(c, "shop", "Shop", 0))
                .orElseThrow().id();
    }

    @Test
    void aSettingIsPutOnceIfAbsentAndReplacedByPut() {
        assertEquals(Optional.empty(), settings.get("admin.hash"));
        assertTrue(settings.putIfAbsent("admin.hash", "a"));
        assertFalse(settings.putIfAbsent("admin.hash", "b"));
        assertEquals(Optional.of("a"), settings.get("admin.hash"));
        settings.put("admin.hash", "c");
        settings.put("other", "d");
        assertEquals(Optional.of("c"), settings.get("admin.hash"));
        assertEquals(Optional.of("d"), settings.get("other"));
    }

    @Test
    void projectSettingsAreSetReplacedAndRemoved() {
        database.transaction(c -> {
            projectSettings.put(c, projectId, "redaction", "off", 1);
            projectSettings.put(c, projectId, "a.first", "1", 1);
            return null;
        });
        assertEquals(Map.of("a.first", "1", "redaction", "off"), projectSettings.all(projectId));
        assertEquals(List.of("a.first", "redaction"), List.copyOf(projectSettings.all(projectId).keySet()), "by name");
        database.transaction(c -> {
            projectSettings.put(c, projectId, "redaction", "on", 2);
            projectSettings.put(c, projectId, "a.first", null, 2);
            return null;
        });
        assertEquals(Map.of("redaction", "on"), projectSettings.all(projectId));
        assertEquals(Map.of(), projectSettings.all(projectId + 1));
    }

    @Test
    void putIfAbsentClaimsAProjectSettingOnce() {
        assertTrue(database.<Boolean>transaction(c -> projectSettings.putIfAbsent(c, projectId, "seeded", "1", 1)));
        assertFalse(database.<Boolean>transaction(c -> projectSettings.putIfAbsent(c, projectId, "seeded", "2", 2)));
        assertEquals(Map.of("seeded", "1"), projectSettings.all(projectId));
    }

    /** A read-modify-write under {@code lockForUpdate} loses no update when several connections (nodes) race. */
    @Test
    void lockedReadModifyWritesOfProjectSettingsLoseNoUpdate() throws Exception {
        int threads = 6;
        int rounds = 15;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            Database other = peer();
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Database db = i % 2 == 0 ? database : other;
                ProjectSettingRepository repository = i % 2 == 0 ? projectSettings : new ProjectSettingRepository(other);
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < rounds; round++) {
                        db.transaction(c -> {
                            repository.lockForUpdate(c, projectId);
                            int count = Integer.parseInt(repository.all(c, projectId).getOrDefault("count", "0"));
                            repository.put(c, projectId, "count", Integer.toString(count + 1), 1);
                            return null;
                        });
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(Integer.toString(threads * rounds), projectSettings.all(projectId).get("count"));
    }

    /** The claim holds when several connections race: exactly one wins, and none fails. */
    @Test
    void concurrentClaimsOfOneProjectSettingHaveOneWinner() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            Database other = peer();
            ProjectSettingRepository otherSettings = new ProjectSettingRepository(other);
            List<Future<Boolean>> claims = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Database db = i % 2 == 0 ? database : other;
                ProjectSettingRepository repository = i % 2 == 0 ? projectSettings : otherSettings;
                String value = Integer.toString(i);
                claims.add(pool.submit(() -> {
                    start.await();
                    return db.transaction(c -> repository.putIfAbsent(c, projectId, "seeded", value, 1));
                }));
            }
            start.countDown();
            int won = 0;
            for (Future<Boolean> claim : claims) {
                won += claim.get() ? 1 : 0;
            }
            assertEquals(1, won);
        } finally {
            pool.shutdownNow();
        }
    }
}
