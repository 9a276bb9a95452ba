package io.larch.security;

import java.util.Locale;
import java.util.Optional;

/** What a project key may do. */
public enum Scope {
    INGEST, READ;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Scope> parse(String text) {
        for (Scope scope : values()) {
            if (scope.wireName().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return Optional.of(scope);
            }
        }
        return Optional.empty();
    }
}
