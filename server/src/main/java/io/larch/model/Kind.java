package io.larch.model;

import java.util.Locale;
import java.util.Optional;

/** What an event is about. A different axis from storage tiers: kinds say what, tiers say where. */
public enum Kind {
    APP, WORK, BUILD, DEPLOY, SYSTEM, ACTION, LIFECYCLE;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    /** Case-insensitive lookup; empty when the name is not a kind. */
    public static Optional<Kind> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (Kind kind : values()) {
            if (kind.wireName.equals(wanted)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /** The list shown in error messages. */
    public static String names() {
        return "app, work, build, deploy, system, action, lifecycle";
    }
}
