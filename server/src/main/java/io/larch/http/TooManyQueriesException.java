package io.larch.http;

/** A credential has as many queries running as it may (HTTP 429). */
final class TooManyQueriesException extends RuntimeException {
    TooManyQueriesException(String message) {
        super(message);
    }
}
