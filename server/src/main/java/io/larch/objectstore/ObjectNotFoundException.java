package io.larch.objectstore;

/** There is no object under the key. */
public final class ObjectNotFoundException extends ObjectStoreException {
    public ObjectNotFoundException(String key) {
        super("no object " + key + " in the archive");
    }
}
