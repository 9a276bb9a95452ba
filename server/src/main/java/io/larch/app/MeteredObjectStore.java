package io.larch.app;

import io.larch.objectstore.ForwardingObjectStore;
import io.larch.objectstore.ObjectStore;
import io.larch.objectstore.StoredObject;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The archive store with its uploads measured: every {@link #put} (a part, its sidecars, a build
 * log) that succeeds is timed into {@code larch_archive_upload_seconds}, and one that throws
 * (after the store's own retries) counts in {@code larch_archive_upload_failures_total}. Every
 * other call passes through; thread-safe as the store it wraps.
 */
final class MeteredObjectStore extends ForwardingObjectStore {
    private final Timer uploads;
    private final Counter failures;

    MeteredObjectStore(ObjectStore store, Timer uploads, Counter failures) {
        super(store);
        this.uploads = uploads;
        this.failures = failures;
    }

    @Override
    public StoredObject put(String key, Path file, byte[] md5) {
        long started = System.nanoTime();
        try {
            StoredObject stored = super.put(key, file, md5);
            uploads.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            return stored;
        } catch (RuntimeException e) {
            failures.increment();
            throw e;
        }
    }
}
