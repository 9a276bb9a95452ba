package io.larch.logback;

import java.nio.charset.StandardCharsets;

/**
 * The little JSON the appender writes (objects of strings and numbers), by hand so that the
 * appender needs nothing beyond the JDK and the application's Logback.
 */
final class JsonText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonText() {
    }

    /** Appends {@code value} as a JSON string literal: quotes, backslashes and control characters escaped. */
    static void appendString(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    // U+2028/2029 are legal JSON but break JavaScript readers of the same lines.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * {@code value} cut to at most {@code maxBytes} of UTF-8, never inside a character (a lone
     * surrogate would be invalid UTF-8 and fail the whole batch).
     */
    static String truncateUtf8(String value, int maxBytes) {
        if (value.length() * 3L <= maxBytes) {
            return value;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return value;
        }
        int bytesSoFar = 0;
        int i = 0;
        while (i < value.length()) {
            int codePoint = value.codePointAt(i);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytesSoFar + size > maxBytes) {
                break;
            }
            bytesSoFar += size;
            i += Character.charCount(codePoint);
        }
        return value.substring(0, i);
    }

    /** {@code value} cut to at most {@code maxChars} characters, never between the halves of a surrogate pair. */
    static String truncateChars(String value, int maxChars) {
        if (value.length() <= maxChars) {
            return value;
        }
        int end = maxChars;
        if (Character.isHighSurrogate(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(0, end);
    }
}
