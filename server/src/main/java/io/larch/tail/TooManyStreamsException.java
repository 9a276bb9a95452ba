package io.larch.tail;

/** The server holds as many live streams as it may (429; the message says what to do). */
public final class TooManyStreamsException extends RuntimeException {
    public TooManyStreamsException(String message) {
        super(message);
    }
}
