package io.larch.app;

import io.larch.objectstore.ObjectStore;
import io.larch.objectstore.StoredObject;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The archive store with its uploads measured: every {@link #put} (a part, its sidecars, a build
 * log) that succeeds is timed into {@code larch_archive_upload_seconds}, and one that throws (after the store's
 * own retries) counts in {@code larch_archive_upload_failures_total}. Everything else passes
 * through; thread-safe as the store it wraps.
 */
final class MeteredObjectStore implements ObjectStore {
    private final ObjectStore store;
    private final Timer uploads;
    private final Counter failures;

    MeteredObjectStore(ObjectStore store, Timer uploads, Counter failures) {
        this.store = store;
        this.uploads = uploads;
        this.failures = failures;
    }

    @Override
    public StoredObject put(String key, Path file, byte[] md5) {
        long started = System.nanoTime();
        try {
            StoredObject stored = store.put(key, file, md5);
            uploads.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            return stored;
        } catch (RuntimeException e) {
            failures.increment();
            throw e;
        }
    }

    @Override
    public Optional<StoredObject> stat(String key) {
        return store.stat(key);
    }

    @Override
    public void get(String key, Path target) {
        store.get(key, target);
    }

    @Override
    public void delete(String key) {
        store.delete(key);
    }

    @Override
    public List<StoredObject> list(String prefix) {
        return store.list(prefix);
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public void close() {
        store.close();
    }
}
