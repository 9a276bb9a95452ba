package io.larch.search;

/** A query was stopped because nobody waits for its answer any more. */
public final class QueryCancelledException extends RuntimeException {
    public QueryCancelledException(String message) {
        super(message);
    }
}
