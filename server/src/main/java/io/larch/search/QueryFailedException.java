package io.larch.search;

/** The engine failed while running a valid query (an I/O or DuckDB error, not the user's fault). */
public final class QueryFailedException extends RuntimeException {
    public QueryFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
