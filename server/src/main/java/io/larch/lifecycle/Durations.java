package io.larch.lifecycle;

import io.larch.config.ConfigLoader;
import io.larch.model.InvalidInputException;
import java.time.Duration;
import java.util.regex.Pattern;

/** Durations as the admin API writes them: {@code 36h}, {@code 7d}, {@code 90m}. */
final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})([mhd])");

    private Durations() {
    }

    static Duration parse(String field, String text) {
        if (text == null || !DURATION.matcher(text.trim()).matches()) {
            throw new InvalidInputException(field + ": a duration like 36h, 7d or 90m, got '" + text + "'");
        }
        return ConfigLoader.parseDuration(text);
    }

    /** The shortest of {@code Nd}, {@code Nh}, {@code Nm} that says it exactly. */
    static String show(Duration duration) {
        long minutes = duration.toMinutes();
        if (minutes % (24 * 60) == 0) {
            return minutes / (24 * 60) + "d";
        }
        return minutes % 60 == 0 ? minutes / 60 + "h" : minutes + "m";
    }
}
