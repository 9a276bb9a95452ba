package io.larch.security;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a project key may do: {@code ingest} (write events), {@code read} (search, aggregations,
 * tail, mint viewer tokens), {@code admin} (manage its own project: keys, settings, audit).
 * Scopes do not imply each other; a key holds each scope it needs.
 */
public enum Scope {
    INGEST, READ, ADMIN;

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

    /** "ingest, read, admin": for error messages. */
    public static String names() {
        return Arrays.stream(values()).map(Scope::wireName).collect(Collectors.joining(", "));
    }
}
