package io.larch.model;

import java.util.ArrayList;
import java.util.List;

/**
 * How text is split into searchable tokens, the same for the query language, the head matcher,
 * the SQL compiler and the token bloom filters.
 *
 * <p>A token is a maximal run of token characters: ASCII letters, digits and '_', and every
 * non-ASCII character. Everything else separates tokens. Tokens compare after {@link #fold case
 * folding}, so {@code Timeout} and {@code TIMEOUT} are the same token.
 *
 * <p>Case folding maps each code point to its simple lowercase ({@link Character#toLowerCase(int)}),
 * with no rule that depends on the neighbours or the locale: the one DuckDB's {@code lower()}
 * applies to stored text, so a token found in the head is found the same way after sealing. So
 * {@code ΟΔΟΣ} folds to {@code οδοσ} (not to a final {@code ς}), {@code İstanbul} to
 * {@code istanbul}, and {@code ß} stays {@code ß}; {@code String.toLowerCase} would differ in the
 * first two.
 */
public final class Tokenizer {
    /** The same character class for RE2 (DuckDB) and java.util.regex, applied to lowercased text. */
    public static final String TOKEN_CHAR_CLASS = "0-9a-z_\\x{80}-\\x{10FFFF}";

    private Tokenizer() {
    }

    public static boolean isTokenChar(char c) {
        return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    /** The folded tokens of {@code text}, in order. */
    public static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        forEachToken(text, (start, end) -> tokens.add(fold(text, start, end)));
        return tokens;
    }

    /** {@code text[start, end)} case-folded (see the class comment), allocating only when it changes. */
    public static String fold(String text, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if ((c >= 'A' && c <= 'Z') || c >= 0x80) {
                return foldCodePoints(text, start, end);
            }
        }
        return text.substring(start, end);
    }

    private static String foldCodePoints(String text, int start, int end) {
        StringBuilder folded = new StringBuilder(end - start);
        int i = start;
        while (i < end) {
            int codePoint = text.codePointAt(i);
            folded.appendCodePoint(Character.toLowerCase(codePoint));
            i += Character.charCount(codePoint);
        }
        return folded.toString();
    }

    /** Calls {@code visitor} with the bounds of each token of {@code text}, in order. */
    public static void forEachToken(String text, TokenVisitor visitor) {
        for (int start = tokenStart(text, 0); start < text.length(); ) {
            int end = tokenEnd(text, start);
            visitor.token(start, end);
            start = tokenStart(text, end);
        }
    }

    /** The index of the first token character at or after {@code from} (the length when none is left). */
    private static int tokenStart(String text, int from) {
        int i = from;
        while (i < text.length() && !isTokenChar(text.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The index just past the token that starts at {@code start}. */
    private static int tokenEnd(String text, int start) {
        int i = start;
        while (i < text.length() && isTokenChar(text.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Receives token bounds {@code [start, end)}. */
    @FunctionalInterface
    public interface TokenVisitor {
        void token(int start, int end);
    }

    /** Whether {@code text} has {@code token} (lowercase) as a whole token. */
    public static boolean containsToken(String text, String token) {
        return indexOfTokenSequence(text, List.of(token), false);
    }

    /** Whether a token of {@code text} starts with {@code prefix} (lowercase). */
    public static boolean containsTokenPrefix(String text, String prefix) {
        return indexOfTokenSequence(text, List.of(prefix), true);
    }

    /** Whether {@code tokens} (lowercase) occur in {@code text} as consecutive tokens, in order. */
    public static boolean containsPhrase(String text, List<String> tokens) {
        return indexOfTokenSequence(text, tokens, false);
    }

    private static boolean indexOfTokenSequence(String text, List<String> wanted, boolean lastIsPrefix) {
        if (text == null || wanted.isEmpty()) {
            return false;
        }
        if (wanted.size() == 1) {
            // One word (most queries and alert rules): token by token, stopping at the first match, no list.
            String only = wanted.getFirst();
            for (int start = tokenStart(text, 0); start < text.length(); ) {
                int end = tokenEnd(text, start);
                if (tokenEquals(text, start, end, only, lastIsPrefix)) {
                    return true;
                }
                start = tokenStart(text, end);
            }
            return false;
        }
        List<int[]> bounds = new ArrayList<>();
        forEachToken(text, (start, end) -> bounds.add(new int[] {start, end}));
        int last = wanted.size() - 1;
        for (int first = 0; first + last < bounds.size(); first++) {
            boolean all = true;
            for (int k = 0; k <= last && all; k++) {
                int[] b = bounds.get(first + k);
                all = tokenEquals(text, b[0], b[1], wanted.get(k), lastIsPrefix && k == last);
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code text[start, end)} folded equals (or starts with) {@code wanted}. An ASCII token
     * folds char for char, so it is compared in place; any other goes through {@link #fold}.
     */
    private static boolean tokenEquals(String text, int start, int end, String wanted, boolean prefix) {
        int length = end - start;
        boolean ascii = true;
        for (int i = start; i < end && ascii; i++) {
            ascii = text.charAt(i) < 0x80;
        }
        if (!ascii) {
            String token = fold(text, start, end);
            return prefix ? token.startsWith(wanted) : token.equals(wanted);
        }
        if (prefix ? length < wanted.length() : length != wanted.length()) {
            return false;
        }
        for (int i = 0; i < wanted.length(); i++) {
            char c = text.charAt(start + i);
            char folded = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            if (folded != wanted.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
