package io.larch.search;

/**
 * DuckDB ran out of the memory it may use (LARCH_DUCKDB_MEMORY_LIMIT) while running a valid
 * query: a resource limit, answered 503, not an internal error.
 */
public final class QueryOutOfMemoryException extends RuntimeException {
    public QueryOutOfMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
