package io.larch.alert;

/** A rule change that conflicts with what exists: a name in use, or a rule the rules file owns (HTTP 409). */
public final class AlertConflictException extends RuntimeException {
    public AlertConflictException(String message) {
        super(message);
    }
}
