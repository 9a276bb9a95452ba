package io.larch.ingest.fingerprint;

import java.util.Set;

/**
 * Splits a message into whitespace-separated tokens and masks what is evidently variable, with
 * rules that know no log format: within a token, every run of characters between delimiters
 * ({@code . = : , ; ( ) [ ] { } < > " ' |}) that holds a digit becomes {@link #VARIABLE}
 * (numbers, ids, hex, IPs, times and sizes alike: {@code rhost=10.0.0.1} is
 * {@code rhost=<*>.<*>.<*>.<*>}, {@code core.2275} is {@code core.<*>}, and a MAC address
 * without digits is no IP), and a token of nothing but such runs and punctuation
 * ({@code 10.0.0.1:50010}, {@code 10:15:30}) is one variable; a quoted value ({@code tag="View Lock"}) is one variable, spaces and all; a whole
 * token that is a URL or an absolute path of two or more levels is one variable; weekday and
 * month abbreviations are parts of dates. Other words are kept: which of them vary is what
 * {@link TemplateExtractor} learns.
 *
 * <p>No regular expression runs; {@link #maskInto} appends to the caller's buffer, so a message
 * whose masked form is known costs no allocation but its key.
 */
public final class MessageMasker {
    /** The placeholder of a variable part, as templates show it. */
    public static final String VARIABLE = "<*>";
    /** Tokens kept of one message; the rest is one trailing variable (a pasted blob is not a template). */
    static final int MAX_TOKENS = 64;
    /** Tokens longer than this are one variable, so templates and keys stay small. */
    static final int MAX_TOKEN_CHARS = 100;

    private MessageMasker() {
    }

    /** The masked tokens of {@code message}, at most {@link #MAX_TOKENS}; none for a blank message. */
    public static String[] mask(String message) {
        StringBuilder masked = new StringBuilder(message.length() + 16);
        int count = maskInto(message, masked);
        return tokensOf(masked, 0, count);
    }

    /**
     * Appends the masked tokens of {@code message} to {@code out}, one space between them (masked
     * tokens hold no whitespace, so {@link #tokensOf} gets them back); returns how many.
     */
    public static int maskInto(String message, StringBuilder out) {
        int n = message.length();
        int count = 0;
        int i = 0;
        while (i < n) {
            while (i < n && isSpace(message.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            if (count > 0) {
                out.append(' ');
            }
            if (count == MAX_TOKENS - 1) {
                out.append(VARIABLE);
                return MAX_TOKENS;
            }
            count++;
            int start = i;
            int open = quoteOpening(message, i);
            int close = open < 0 ? -1 : message.indexOf(message.charAt(open), open + 1);
            if (close > open && close - open <= MAX_QUOTED) {
                // A quoted value, spaces and all, is one variable: tag="View Lock", is tag=<*>,
                int tokenEnd = close + 1;
                while (tokenEnd < n && !isSpace(message.charAt(tokenEnd))) {
                    tokenEnd++;
                }
                appendMasked(message, start, open, out);
                out.append(VARIABLE);
                appendMasked(message, close + 1, tokenEnd, out);
                i = tokenEnd;
                continue;
            }
            while (i < n && !isSpace(message.charAt(i))) {
                i++;
            }
            appendMasked(message, start, i, out);
        }
        return count;
    }

    /** The {@code count} space-separated tokens of {@code masked} from {@code from}, as {@link #maskInto} wrote them. */
    public static String[] tokensOf(CharSequence masked, int from, int count) {
        String[] tokens = new String[count];
        int start = from;
        for (int t = 0; t < count; t++) {
            int end = start;
            while (end < masked.length() && masked.charAt(end) != ' ') {
                end++;
            }
            String token = masked.subSequence(start, end).toString();
            tokens[t] = token.equals(VARIABLE) ? VARIABLE : token;
            start = end + 1;
        }
        return tokens;
    }

    /**
     * The opening quote of a quoted value in the token at {@code i}, or -1: a {@code "} or
     * {@code '} that opens the token or follows {@code = :} or {@code (}.
     */
    private static int quoteOpening(String s, int i) {
        int n = s.length();
        for (int j = i; j < n && !isSpace(s.charAt(j)); j++) {
            char c = s.charAt(j);
            if (c == '"' || c == '\'') {
                char before = j == i ? ' ' : s.charAt(j - 1);
                return before == ' ' || before == '=' || before == ':' || before == '(' ? j : -1;
            }
        }
        return -1;
    }

    static final int MAX_QUOTED = 256;

    /** Appends one token, masked. */
    static void appendMasked(String s, int start, int end, StringBuilder out) {
        if (start >= end) {
            return;
        }
        if (end - start > MAX_TOKEN_CHARS || isUrlOrPath(s, start, end)) {
            // A token this long is data (a blob, a list without spaces), not a word of a template.
            out.append(VARIABLE);
            return;
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
            if (isDateWord(s, start, end)) {
                out.append(VARIABLE);
            } else {
                out.append(s, start, end);
            }
            return;
        }
        int mark = out.length();
        boolean anyLetter = false;
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
                anyLetter = true;
            }
        }
        if (!anyLetter) {
            // Nothing but variables and punctuation (10.0.0.1:50010, 10:15:30, /10.0.0.2:80): one variable.
            out.setLength(mark);
            out.append(VARIABLE);
        }
    }


    private static final Set<String> DATE_WORDS = Set.of("Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
            "Sun", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");

    /** A weekday or month abbreviation as dates print them ({@code Fri Jun 17}): part of a time, not of the template. */
    private static boolean isDateWord(String s, int start, int end) {
        return end - start == 3 && Character.isUpperCase(s.charAt(start)) && DATE_WORDS.contains(s.substring(start, end));
    }

    /** Java's whitespace and Unicode's space separators (a no-break space splits words too). */
    private static boolean isSpace(char c) {
        if (c < 0x80) {
            return c == ' ' || (c <= 0x1f && Character.isWhitespace(c)); // the common case, without a table lookup
        }
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
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
        // scheme://...: letters, then "://" with something after it (looked for within the token only).
        int i = start;
        while (i < end && Character.isLetter(s.charAt(i))) {
            i++;
        }
        return i > start && i + 3 < end && s.charAt(i) == ':' && s.charAt(i + 1) == '/' && s.charAt(i + 2) == '/';
    }
}
