package io.larch.ingest.protocol.loki;

import io.larch.model.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses the labels of a protobuf stream, written in Prometheus text form:
 * {@code {app="shop", level="error"}}. Values are double-quoted with Go-style escapes
 * ({@code \"}, {@code \\}, {@code \n}, {@code \t}, {@code \u00e9}...) or backquoted raw; names are
 * identifiers, or double-quoted for the UTF-8 names of Prometheus 3.
 * Two choices differ from Loki, which refuses the whole push: an unknown escape such as
 * {@code \d} is kept as written (loki4j escapes only quotes, so a value holding a Windows path
 * or a regex reaches us like that, and a 400 would make the shipper drop the batch), and an empty
 * string means no labels.
 */
public final class LokiLabels {
    private final String text;
    private int position;

    private LokiLabels(String text) {
        this.text = text;
    }

    /** The labels of {@code text} in their order; a repeated name keeps its last value. */
    public static Map<String, String> parse(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return labels;
        }
        LokiLabels parser = new LokiLabels(text);
        parser.skipSpaces();
        parser.expect('{');
        parser.skipSpaces();
        while (!parser.atEnd() && parser.peek() != '}') {
            String name = parser.name();
            parser.skipSpaces();
            if (parser.peek() == '!' || parser.peek() == '~' || parser.startsWith("=~")) {
                throw parser.error("a pushed stream's labels are name=\"value\" pairs; matchers like != and =~ belong in queries");
            }
            parser.expect('=');
            parser.skipSpaces();
            labels.put(name, parser.value());
            parser.skipSpaces();
            if (parser.atEnd() || parser.peek() != ',') {
                break;
            }
            parser.position++;
            parser.skipSpaces();
        }
        parser.expect('}');
        parser.skipSpaces();
        if (!parser.atEnd()) {
            throw parser.error("unexpected text after '}'");
        }
        return labels;
    }

    private String name() {
        if (!atEnd() && peek() == '"') {
            return quoted();
        }
        int start = position;
        while (!atEnd() && isNameChar(peek(), position == start)) {
            position++;
        }
        if (position == start) {
            throw error(atEnd() ? "expected a label name" : "expected a label name, found '" + peek() + "'");
        }
        return text.substring(start, position);
    }

    private static boolean isNameChar(char c, boolean first) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && (c >= '0' && c <= '9' || c == '.'));
    }

    private String value() {
        if (!atEnd() && peek() == '`') {
            int end = text.indexOf('`', position + 1);
            if (end < 0) {
                throw error("unterminated `raw` value");
            }
            String raw = text.substring(position + 1, end);
            position = end + 1;
            return raw;
        }
        if (atEnd() || peek() != '"') {
            throw error("expected a double-quoted value");
        }
        return quoted();
    }

    /** A double-quoted string from the current position, its escapes resolved. */
    private String quoted() {
        int start = position;
        position++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (atEnd()) {
                position = start;
                throw error("unterminated quoted string");
            }
            char c = text.charAt(position++);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (atEnd()) {
                position = start;
                throw error("unterminated quoted string");
            }
            char escaped = text.charAt(position++);
            switch (escaped) {
                case '"', '\\', '\'' -> out.append(escaped);
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                case 'x' -> appendCodePoint(out, 2, 16, escaped);
                case 'u' -> appendCodePoint(out, 4, 16, escaped);
                case 'U' -> appendCodePoint(out, 8, 16, escaped);
                default -> {
                    if (escaped >= '0' && escaped <= '7') {
                        position--;
                        appendCodePoint(out, 3, 8, escaped);
                    } else {
                        out.append('\\').append(escaped);
                    }
                }
            }
        }
    }

    /** A numeric escape of {@code digits} digits in {@code radix}; kept as written when it is not one. */
    private void appendCodePoint(StringBuilder out, int digits, int radix, char escape) {
        int end = position + digits;
        if (end <= text.length()) {
            try {
                int codePoint = Integer.parseInt(text.substring(position, end), radix);
                if (Character.isValidCodePoint(codePoint)) {
                    out.appendCodePoint(codePoint);
                    position = end;
                    return;
                }
            } catch (NumberFormatException notDigits) {
                // kept as written below
            }
        }
        out.append('\\');
        if (radix == 16) {
            out.append(escape);
        }
    }

    private void expect(char c) {
        if (atEnd() || peek() != c) {
            throw error("expected '" + c + "'" + (atEnd() ? " at the end" : ", found '" + peek() + "'"));
        }
        position++;
    }

    private void skipSpaces() {
        while (!atEnd() && Character.isWhitespace(peek())) {
            position++;
        }
    }

    private boolean startsWith(String prefix) {
        return text.startsWith(prefix, position);
    }

    private char peek() {
        return text.charAt(position);
    }

    private boolean atEnd() {
        return position >= text.length();
    }

    private InvalidInputException error(String what) {
        String shown = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return new InvalidInputException("bad label syntax at character " + (position + 1) + " of " + shown + ": " + what
                + " (labels are written {name=\"value\", ...})");
    }
}
