package io.larch.ingest.fingerprint;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a message into whitespace-separated tokens and masks what is evidently variable, with
 * rules that know no log format: within a token, every run of characters between delimiters
 * ({@code . = : , ; ( ) [ ] { } < > " ' |}) that holds a digit becomes {@link #VARIABLE}
 * (numbers, ids, hex, IPs, times and sizes alike: {@code rhost=10.0.0.1} is
 * {@code rhost=<*>.<*>.<*>.<*>}, {@code 10:15:30} is {@code <*>:<*>:<*>}, and a MAC address
 * is no IP); a quoted value ({@code tag="View Lock"}) is one variable, spaces and all; a whole
 * token that is a URL or an absolute path of two or more levels is one variable; weekday and
 * month abbreviations are parts of dates. Other words are kept: which of them vary is what
 * {@link TemplateExtractor} learns.
 *
 * <p>Allocation is one array and the tokens' strings; no regular expression runs.
 */
public final class MessageMasker {
    /** The placeholder of a variable part, as templates show it. */
    public static final String VARIABLE = "<*>";
    /** Tokens kept of one message; the rest is one trailing variable (a pasted blob is not a template). */
    static final int MAX_TOKENS = 64;

    private MessageMasker() {
    }

    /** The masked tokens of {@code message}, at most {@link #MAX_TOKENS}; none for a blank message. */
    public static String[] mask(String message) {
        List<String> tokens = new ArrayList<>(16);
        int n = message.length();
        int i = 0;
        while (i < n) {
            while (i < n && Character.isWhitespace(message.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int start = i;
            int open = quoteOpening(message, i);
            int close = open < 0 ? -1 : message.indexOf(message.charAt(open), open + 1);
            if (close > open && close - open <= MAX_QUOTED) {
                // A quoted value, spaces and all, is one variable: tag="View Lock", is tag=<*>,
                int tokenEnd = close + 1;
                while (tokenEnd < n && !Character.isWhitespace(message.charAt(tokenEnd))) {
                    tokenEnd++;
                }
                if (tokens.size() == MAX_TOKENS - 1) {
                    tokens.add(VARIABLE);
                    break;
                }
                tokens.add(maskToken(message, start, open) + VARIABLE + maskToken(message, close + 1, tokenEnd));
                i = tokenEnd;
                continue;
            }
            while (i < n && !Character.isWhitespace(message.charAt(i))) {
                i++;
            }
            if (tokens.size() == MAX_TOKENS - 1) {
                tokens.add(VARIABLE);
                break;
            }
            tokens.add(maskToken(message, start, i));
        }
        return tokens.toArray(new String[0]);
    }

    /**
     * The opening quote of a quoted value in the token at {@code i}, or -1: a {@code "} or
     * {@code '} that opens the token or follows {@code = :} or {@code (}.
     */
    private static int quoteOpening(String s, int i) {
        int n = s.length();
        for (int j = i; j < n && !Character.isWhitespace(s.charAt(j)); j++) {
            char c = s.charAt(j);
            if (c == '"' || c == '\'') {
                char before = j == i ? ' ' : s.charAt(j - 1);
                return before == ' ' || before == '=' || before == ':' || before == '(' ? j : -1;
            }
        }
        return -1;
    }

    static final int MAX_QUOTED = 256;

    /** One token, masked; the same String instance when nothing in it is variable. */
    static String maskToken(String s, int start, int end) {
        if (start >= end) {
            return "";
        }
        if (isUrlOrPath(s, start, end)) {
            return VARIABLE;
        }
        boolean anyDigit = false;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                anyDigit = true;
                break;
            }
        }
        if (!anyDigit) {
            return isDateWord(s, start, end) ? VARIABLE : s.substring(start, end);
        }
        StringBuilder out = new StringBuilder(end - start + 4);
        int i = start;
        while (i < end) {
            char c = s.charAt(i);
            if (isDelimiter(c)) {
                out.append(c);
                i++;
                continue;
            }
            int runStart = i;
            boolean digit = false;
            while (i < end && !isDelimiter(s.charAt(i))) {
                char r = s.charAt(i);
                digit |= r >= '0' && r <= '9';
                i++;
            }
            if (digit) {
                out.append(VARIABLE);
            } else {
                out.append(s, runStart, i);
            }
        }
        return out.toString();
    }

    private static final java.util.Set<String> DATE_WORDS = java.util.Set.of("Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
            "Sun", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");

    /** A weekday or month abbreviation as dates print them ({@code Fri Jun 17}): part of a time, not of the template. */
    private static boolean isDateWord(String s, int start, int end) {
        return end - start == 3 && Character.isUpperCase(s.charAt(start)) && DATE_WORDS.contains(s.substring(start, end));
    }

    static boolean isDelimiter(char c) {
        return switch (c) {
            case '.', '=', ':', ',', ';', '(', ')', '[', ']', '{', '}', '<', '>', '"', '\'', '|' -> true;
            default -> false;
        };
    }

    /** {@code scheme://...}, or {@code /a/b...} (a file path: its levels vary more than its words say). */
    private static boolean isUrlOrPath(String s, int start, int end) {
        if (end - start < 4) {
            return false;
        }
        if (s.charAt(start) == '/') {
            int second = s.indexOf('/', start + 1);
            return second > start + 1 && second < end - 1;
        }
        int scheme = s.indexOf("://", start);
        if (scheme <= start || scheme >= end - 3) {
            return false;
        }
        for (int i = start; i < scheme; i++) {
            if (!Character.isLetter(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
