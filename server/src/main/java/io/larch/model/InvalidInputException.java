package io.larch.model;

/**
 * What a caller sent is wrong (a parameter, a setting, a field): the message names it and says
 * what is expected. The HTTP layer answers it with 400; any other exception is an internal fault
 * (500), so code must not throw this for its own bugs, nor IllegalArgumentException for input.
 */
public final class InvalidInputException extends RuntimeException {
    public InvalidInputException(String message) {
        super(message);
    }
}
