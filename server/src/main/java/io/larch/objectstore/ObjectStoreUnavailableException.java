package io.larch.objectstore;

/** The store could not be reached, or kept failing, after every retry: try again later. */
public final class ObjectStoreUnavailableException extends ObjectStoreException {
    public ObjectStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
