package io.larch.query;

import java.util.regex.Pattern;

/**
 * What counts as a number, for {@code attrs.x>N} and for N itself, the same in Java and in SQL:
 * optional spaces, a sign, decimal digits with an optional fraction, an optional exponent, and a
 * finite value. Not numbers: {@code inf}, {@code nan}, {@code 1_000}, {@code 0x1f}, {@code 1e400}
 * (infinite), {@code 5d}, the empty string, and anything with tabs or other white space.
 * {@link EventMatcher} parses with {@link #parse}; {@link SqlCompiler} tests stored values
 * against {@link #PATTERN} before DuckDB's cast, whose own grammar is wider.
 */
public final class Numbers {
    /** The grammar, valid both for java.util.regex and for RE2 (DuckDB's {@code regexp_full_match}). */
    public static final String PATTERN = " *[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)? *";
    private static final Pattern COMPILED = Pattern.compile(PATTERN);

    private Numbers() {
    }

    /** The finite number {@code text} spells, or null when it spells none. */
    public static Double parse(String text) {
        if (text == null || !COMPILED.matcher(text).matches()) {
            return null;
        }
        double value = Double.parseDouble(text.strip());
        return Double.isFinite(value) ? value : null;
    }
}
