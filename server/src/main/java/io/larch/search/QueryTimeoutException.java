package io.larch.search;

/** A query used up its time budget and was stopped. */
public final class QueryTimeoutException extends RuntimeException {
    public QueryTimeoutException(String message) {
        super(message);
    }
}
