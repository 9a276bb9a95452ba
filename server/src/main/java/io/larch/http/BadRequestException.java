package io.larch.http;

/** A request parameter is wrong; the message names it and says what is expected (HTTP 400). */
public final class BadRequestException extends RuntimeException {
    public BadRequestException(String message) {
        super(message);
    }
}
