package io.larch.security;

/** A request lacks the right credential. {@link #status()} is 401 (who are you?) or 403 (not allowed). */
public final class AuthException extends RuntimeException {
    private final int status;

    private AuthException(int status, String message) {
        super(message);
        this.status = status;
    }

    public static AuthException unauthenticated(String message) {
        return new AuthException(401, message);
    }

    public static AuthException forbidden(String message) {
        return new AuthException(403, message);
    }

    public int status() {
        return status;
    }
}
