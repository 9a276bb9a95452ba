package io.larch.meta;

/** The metadata database failed; the message says which operation. */
public final class MetadataException extends RuntimeException {
    public MetadataException(String message, Throwable cause) {
        super(message, cause);
    }
}
