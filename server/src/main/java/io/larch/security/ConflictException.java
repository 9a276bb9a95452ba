package io.larch.security;

/** The request conflicts with what exists (HTTP 409). */
public final class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
