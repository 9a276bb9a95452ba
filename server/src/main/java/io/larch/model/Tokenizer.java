package io.larch.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How text is split into searchable tokens, the same for the query language, the head matcher,
 * the SQL compiler and the token bloom filters.
 *
 * <p>A token is a maximal run of token characters: ASCII letters, digits and '_', and every
 * non-ASCII character. Everything else separates tokens. Tokens compare after lowercasing, so
 * {@code Timeout} and {@code TIMEOUT} are the same token.
 */
public final class Tokenizer {
    /** The same character class for RE2 (DuckDB) and java.util.regex, applied to lowercased text. */
    public static final String TOKEN_CHAR_CLASS = "0-9a-z_\\x{80}-\\x{10FFFF}";

    private Tokenizer() {
    }

    public static boolean isTokenChar(char c) {
        return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    /** The lowercased tokens of {@code text}, in order. */
    public static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        forEachToken(text, (start, end) -> tokens.add(lowercase(text, start, end)));
        return tokens;
    }

    /** The token {@code text[start, end)} in lowercase, allocating only when it has uppercase. */
    public static String lowercase(String text, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if ((c >= 'A' && c <= 'Z') || c >= 0x80) {
                return text.substring(start, end).toLowerCase(Locale.ROOT);
            }
        }
        return text.substring(start, end);
    }

    /** Calls {@code visitor} with the bounds of each token of {@code text}, in order. */
    public static void forEachToken(String text, TokenVisitor visitor) {
        int length = text.length();
        int i = 0;
        while (i < length) {
            while (i < length && !isTokenChar(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < length && isTokenChar(text.charAt(i))) {
                i++;
            }
            if (i > start) {
                visitor.token(start, i);
            }
        }
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

    private static boolean tokenEquals(String text, int start, int end, String wanted, boolean prefix) {
        String token = lowercase(text, start, end);
        return prefix ? token.startsWith(wanted) : token.equals(wanted);
    }
}
