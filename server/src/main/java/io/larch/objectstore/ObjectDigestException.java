package io.larch.objectstore;

/** The bytes stored or received do not have the MD5 they were sent or stored with. */
public final class ObjectDigestException extends ObjectStoreException {
    public ObjectDigestException(String message) {
        super(message);
    }
}
