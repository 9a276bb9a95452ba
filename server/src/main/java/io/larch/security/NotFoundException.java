package io.larch.security;

/** The named thing does not exist (HTTP 404). */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
