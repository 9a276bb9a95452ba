package io.larch.objectstore;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An {@link ObjectStore} that hands every call to another one: the base of a decorator that
 * changes a few calls (measures uploads, fails them in a test) and keeps the rest of the
 * contract as the store it wraps keeps it.
 */
public abstract class ForwardingObjectStore implements ObjectStore {
    private final ObjectStore store;

    protected ForwardingObjectStore(ObjectStore store) {
        this.store = store;
    }

    @Override
    public StoredObject put(String key, Path file, byte[] md5) {
        return store.put(key, file, md5);
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
