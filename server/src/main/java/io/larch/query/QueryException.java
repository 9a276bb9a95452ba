package io.larch.query;

/** Query text that cannot be parsed. {@link #position()} is the 1-based character where it went wrong. */
public final class QueryException extends RuntimeException {
    private final int position;

    public QueryException(String message, int position) {
        super(message + " at position " + position);
        this.position = position;
    }

    public int position() {
        return position;
    }
}
