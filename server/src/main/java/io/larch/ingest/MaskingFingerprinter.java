package io.larch.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Fingerprint v1: SHA-1 (hex) of the source, the message with its variable parts masked, and the
 * top stack frames without line numbers. Masked: quoted strings, UUIDs, IP addresses, e-mail
 * addresses, URLs, file paths, long hex strings and every run of digits.
 */
public final class MaskingFingerprinter implements Fingerprinter {
    static final int STACK_FRAMES = 3;
    private static final int MAX_QUOTED = 256;
    private static final Pattern LINE_NUMBER = Pattern.compile(":\\d+(:\\d+)?");
    private static final Pattern LINE_WORD = Pattern.compile("line \\d+");
    /** MessageDigest instances are not thread-safe and costly to look up: one per thread. */
    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    });

    @Override
    public String fingerprint(long projectId, String source, String message, String stack) {
        StringBuilder input = new StringBuilder(message.length() + 64);
        input.append(source == null ? "" : source).append('\n').append(template(message)).append('\n');
        if (stack != null) {
            input.append(topFrames(stack));
        }
        return sha1(input.toString());
    }

    /** The message with its variable parts replaced by placeholders. */
    public static String template(String message) {
        StringBuilder out = new StringBuilder(message.length());
        int n = message.length();
        int i = 0;
        while (i < n) {
            char c = message.charAt(i);
            if (Character.isWhitespace(c)) {
                out.append(' ');
                while (i < n && Character.isWhitespace(message.charAt(i))) {
                    i++;
                }
                continue;
            }
            if ((c == '"' || c == '\'' || c == '`') && (i == 0 || !Character.isLetterOrDigit(message.charAt(i - 1)))) {
                int close = message.indexOf(c, i + 1);
                if (close > i && close - i <= MAX_QUOTED) {
                    out.append(c).append('*').append(c);
                    i = close + 1;
                    continue;
                }
            }
            int end = i;
            while (end < n && !Character.isWhitespace(message.charAt(end))) {
                end++;
            }
            maskAtom(message, i, end, out);
            i = end;
        }
        return out.toString().strip();
    }

    /** Masks one whitespace-free run, keeping its surrounding punctuation. */
    private static void maskAtom(String s, int start, int end, StringBuilder out) {
        if (!mayHoldVariables(s, start, end)) {
            out.append(s, start, end);
            return;
        }
        int coreStart = start;
        int coreEnd = end;
        while (coreStart < coreEnd && "([{<\"'`,;=".indexOf(s.charAt(coreStart)) >= 0) {
            coreStart++;
        }
        while (coreEnd > coreStart && ")]}>\"'`,;:.!?".indexOf(s.charAt(coreEnd - 1)) >= 0) {
            coreEnd--;
        }
        out.append(s, start, coreStart);
        String core = s.substring(coreStart, coreEnd);
        String placeholder = classify(core);
        if (placeholder != null) {
            out.append(placeholder);
        } else {
            maskInside(core, out);
        }
        out.append(s, coreEnd, end);
    }

    /**
     * Whether a run can hold anything {@link #classify} or {@link #maskInside} would mask: every
     * placeholder needs a digit or one of {@code @ / \ : = .}. Most words have none, and skip the work.
     */
    private static boolean mayHoldVariables(String s, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if ((c >= '0' && c <= '9') || c == '@' || c == '/' || c == '\\' || c == ':' || c == '=' || c == '.') {
                return true;
            }
        }
        return false;
    }

    /** A whole-atom placeholder, or null when the atom is ordinary text. */
    static String classify(String core) {
        if (core.isEmpty()) {
            return null;
        }
        if (isUuid(core)) {
            return "<uuid>";
        }
        if (core.indexOf("://") > 0) {
            return "<url>";
        }
        int at = core.indexOf('@');
        if (at > 0 && core.indexOf('.', at) > at + 1) {
            return "<email>";
        }
        if (isPath(core)) {
            return "<path>";
        }
        if (isIpAddress(core)) {
            return "<ip>";
        }
        if (isLongHex(core)) {
            return "<hex>";
        }
        return null;
    }

    /** Keeps key=value shapes: masks the value parts that are ids, digits in the rest. */
    private static void maskInside(String core, StringBuilder out) {
        int i = 0;
        int n = core.length();
        while (i < n) {
            char c = core.charAt(i);
            if (c == '=' || c == ':') {
                out.append(c);
                int valueEnd = i + 1;
                while (valueEnd < n && core.charAt(valueEnd) != '&' && core.charAt(valueEnd) != ',') {
                    valueEnd++;
                }
                String value = core.substring(i + 1, valueEnd);
                String placeholder = classify(value);
                if (placeholder != null) {
                    out.append(placeholder);
                    i = valueEnd;
                    continue;
                }
                i++;
                continue;
            }
            if (isDigit(c)) {
                while (i < n && (isDigit(core.charAt(i))
                        || (core.charAt(i) == '.' && i + 1 < n && isDigit(core.charAt(i + 1))))) {
                    i++;
                }
                out.append("<num>");
                continue;
            }
            out.append(c);
            i++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    static boolean isUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !isHex(c)) {
                return false;
            }
        }
        return true;
    }

    /** 0x-prefixed hex, or at least 8 hex digits with at least one digit (hashes, ids). */
    static boolean isLongHex(String s) {
        int start = s.startsWith("0x") || s.startsWith("0X") ? 2 : 0;
        if (s.length() - start < (start == 2 ? 1 : 8)) {
            return false;
        }
        boolean digit = start == 2;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isHex(c)) {
                return false;
            }
            digit |= isDigit(c);
        }
        return digit;
    }

    /** IPv4 with an optional port, or an IPv6 address (hex groups with colons). */
    static boolean isIpAddress(String s) {
        int dots = 0;
        int digits = 0;
        int i = 0;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isDigit(c)) {
                if (++digits > 3) {
                    break;
                }
            } else if (c == '.' && digits > 0 && dots < 3) {
                dots++;
                digits = 0;
            } else {
                break;
            }
        }
        if (dots == 3 && digits > 0) {
            if (i == s.length()) {
                return true;
            }
            if (s.charAt(i) == ':' && i + 1 < s.length()) {
                return s.substring(i + 1).chars().allMatch(ch -> ch >= '0' && ch <= '9');
            }
        }
        int colons = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == ':') {
                colons++;
            } else if (!isHex(c) && c != '.') {
                return false;
            }
        }
        return colons >= 2 && s.length() >= 3 && !s.equals("::");
    }

    static boolean isPath(String s) {
        if (s.length() >= 3 && Character.isLetter(s.charAt(0)) && s.charAt(1) == ':' && s.charAt(2) == '\\') {
            return true;
        }
        if (s.startsWith("./") || s.startsWith("../") || s.startsWith("~/")) {
            return true;
        }
        return s.length() > 1 && s.charAt(0) == '/' && s.indexOf('/', 1) > 0;
    }

    /** The first frames of a stack, with line numbers removed so a code change elsewhere keeps the group. */
    static String topFrames(String stack) {
        StringBuilder frames = new StringBuilder();
        int taken = 0;
        int lineStart = 0;
        while (lineStart < stack.length()) {
            int lineEnd = stack.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = stack.length();
            }
            String trimmed = stack.substring(lineStart, lineEnd).strip();
            lineStart = lineEnd + 1;
            if (trimmed.isEmpty()) {
                continue;
            }
            boolean frame = trimmed.startsWith("at ") || trimmed.startsWith("File ") || trimmed.startsWith("in ");
            if (!frame) {
                continue;
            }
            frames.append(LINE_WORD.matcher(LINE_NUMBER.matcher(trimmed).replaceAll("")).replaceAll("line")).append('\n');
            if (++taken == STACK_FRAMES) {
                break;
            }
        }
        return frames.toString();
    }

    private static String sha1(String text) {
        return HexFormat.of().formatHex(SHA1.get().digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
